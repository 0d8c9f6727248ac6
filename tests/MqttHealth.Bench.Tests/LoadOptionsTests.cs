using MqttHealth.Bench.Load;
using MqttHealth.Bench.Load.Brokers;
using MqttHealth.Bench.Load.Scenarios;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Bench.Tests;

/// <summary>The comparison's command line and the scenario matrix it selects from.</summary>
public sealed class LoadOptionsTests
{
    [Fact]
    public void Without_arguments_the_whole_comparison_of_the_issue_runs()
    {
        LoadOptions options = LoadOptions.Parse([]);

        Assert.Equal(BrokerKinds.All, options.Brokers);
        Assert.Equal([10_000, 50_000], options.IdleCounts);
        Assert.True(options.Paced);
        Assert.Null(options.FixedRate);
        Assert.Equal(18, Scenario.Matrix(options.Fan, options.Payloads).Count);
    }

    [Fact]
    public void The_matrix_is_every_shape_at_every_qos_with_both_payloads()
    {
        IReadOnlyList<Scenario> matrix = Scenario.Matrix(100, [64, 1024]);

        Assert.Equal(18, matrix.Distinct().Count());
        Scenario fanOut = Assert.Single(matrix, s => s.Shape == Shape.FanOut && s.QoS == QualityOfService.ExactlyOnce && s.PayloadBytes == 1024);
        Assert.Equal((1, 100, 100), (fanOut.Publishers, fanOut.Subscribers, fanOut.DeliveriesPerPublish));
        Scenario fanIn = Assert.Single(matrix, s => s.Shape == Shape.FanIn && s.QoS == QualityOfService.AtMostOnce && s.PayloadBytes == 64);
        Assert.Equal((100, 1, 1), (fanIn.Publishers, fanIn.Subscribers, fanIn.DeliveriesPerPublish));
        Assert.Equal("fan-in 100:1 QoS 0 64 B", fanIn.Name);
    }

    [Fact]
    public void Lists_and_numbers_are_parsed_and_quick_shortens_everything()
    {
        LoadOptions options = LoadOptions.Parse(["--brokers", "mosquitto,mqtthealth-memory", "--shapes", "fan-out", "--qos", "1", "--payloads", "64", "--idle", "0", "--quick"]);

        Assert.Equal([BrokerKind.Mosquitto, BrokerKind.MqttHealthMemory], options.Brokers);
        Assert.Equal([Shape.FanOut], options.Shapes);
        Assert.Equal([1], options.QoS);
        Assert.Equal([64], options.Payloads);
        Assert.Equal(1, options.Rounds);
        Assert.Equal(TimeSpan.FromSeconds(1), options.Duration);
    }

    [Theory]
    [InlineData("--brokers", "emqx", "Unknown broker 'emqx'")]
    [InlineData("--qos", "3", "--qos: '3' is not a whole number from 0 to 2")]
    [InlineData("--payloads", "8", "--payloads: '8' is not a whole number from 20")]
    [InlineData("--duration", "soon", "--duration: 'soon' is not a number of seconds")]
    [InlineData("--shapes", "star", "Unknown shape 'star'")]
    public void A_bad_value_is_refused_with_a_message_that_names_it(string option, string value, string expected)
    {
        var error = Assert.Throws<FormatException>(() => LoadOptions.Parse([option, value]));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_option_and_a_missing_value_are_refused()
    {
        Assert.Contains("Unknown argument '--fast'", Assert.Throws<FormatException>(() => LoadOptions.Parse(["--fast"])).Message, StringComparison.Ordinal);
        Assert.Contains("--rounds needs a value", Assert.Throws<FormatException>(() => LoadOptions.Parse(["--rounds"])).Message, StringComparison.Ordinal);
        Assert.Contains("--duration must be more than 0", Assert.Throws<FormatException>(() => LoadOptions.Parse(["--duration", "0"])).Message, StringComparison.Ordinal);
    }
}
