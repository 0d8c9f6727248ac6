using System.Text;
using MqttHealth.Broker.Observability;

namespace MqttHealth.Broker.Tests.Hosting;

public sealed class SysTopicsTests
{
    [Fact]
    public void Snapshot_Totals_AsciiDecimalPayloadsPerTopic()
    {
        using var metrics = new BrokerMetrics();
        metrics.ClientConnected();
        metrics.ClientConnected();
        metrics.MessageReceived();
        metrics.MessageSent();
        metrics.MessageSent();
        metrics.MessageSent();
        metrics.BytesReceivedAdd(1234);
        metrics.BytesSentAdd(98765);
        metrics.QueuedChanged(4);
        metrics.MessageDropped("overflow");
        metrics.RetainedChanged(6);
        metrics.SessionsChanged(7);

        var messages = SysTopics.Snapshot(metrics, TimeSpan.FromSeconds(3661.9))
            .ToDictionary(m => m.Topic, m => Encoding.ASCII.GetString(m.Payload.Span));

        Assert.Equal(
            new Dictionary<string, string>
            {
                ["$SYS/broker/uptime"] = "3661",
                ["$SYS/broker/clients/connected"] = "2",
                ["$SYS/broker/messages/received"] = "1",
                ["$SYS/broker/messages/sent"] = "3",
                ["$SYS/broker/bytes/received"] = "1234",
                ["$SYS/broker/bytes/sent"] = "98765",
                ["$SYS/broker/messages/queued"] = "4",
                ["$SYS/broker/messages/dropped"] = "1",
                ["$SYS/broker/retained messages/count"] = "6",
                ["$SYS/broker/sessions/count"] = "7",
            },
            messages);
    }

    [Fact]
    public void VersionMessage_NamesTheProductAndVersion()
    {
        SysTopicMessage version = SysTopics.VersionMessage();

        Assert.Equal("$SYS/broker/version", version.Topic);
        Assert.Matches(@"^mqtthealth-broker \d+\.\d+\.\d+", Encoding.ASCII.GetString(version.Payload.Span));
    }

    [Fact]
    public void Topics_AreDocumented()
    {
        string doc = File.ReadAllText(BrokerCommandLineTests.RepositoryFile("docs/broker-configuration.md"));
        using var metrics = new BrokerMetrics();

        foreach (SysTopicMessage message in SysTopics.Snapshot(metrics, TimeSpan.Zero).Append(SysTopics.VersionMessage()))
        {
            Assert.Contains($"`{message.Topic}`", doc, StringComparison.Ordinal);
        }
    }
}
