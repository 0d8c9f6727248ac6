using MqttHealth.Bench.Load.Brokers;
using MqttHealth.Bench.Load.CrossCheck;
using MqttHealth.Bench.Load.Idle;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Bench.Load;

/// <summary>The idle-connection measurements and the cross-check with Mosquitto's clients, each on fresh brokers.</summary>
internal sealed partial class Comparison
{
    /// <summary>Raises this process's open-file limit (the brokers inherit it) before anything starts.</summary>
    private static void PrepareMachine() => FileDescriptorLimit.RaiseSoftToHard();

    private async Task<IReadOnlyList<IdleResult>> RunIdleAsync(CancellationToken cancellationToken)
    {
        var results = new List<IdleResult>();
        foreach (int count in options.IdleCounts)
        {
            foreach (BrokerKind kind in options.Brokers)
            {
                await using BrokerUnderTest broker = await BrokerUnderTest.StartAsync(kind, cancellationToken).ConfigureAwait(false);
                IdleResult result = await IdleConnectionBench.RunAsync(broker, count, cancellationToken).ConfigureAwait(false);
                results.Add(result);
                Console.WriteLine(string.Create(
                    System.Globalization.CultureInfo.InvariantCulture,
                    $"[idle] {kind.Key(),-17} {result.Established,7:N0} of {result.Requested:N0} connections: {result.BytesPerConnection / 1024:0.00} KB each, {result.ConnectionsPerSecond:N0} connections/s{(result.Limit is null ? string.Empty : "  " + result.Limit)}"));
            }
        }

        return results;
    }

    private async Task<IReadOnlyList<CrossCheckResult>> RunCrossChecksAsync(CancellationToken cancellationToken)
    {
        var results = new List<CrossCheckResult>();
        if (options.CrossCheckMessages == 0)
        {
            return results;
        }

        foreach (QualityOfService qos in new[] { QualityOfService.AtLeastOnce, QualityOfService.ExactlyOnce })
        {
            foreach (BrokerKind kind in options.Brokers)
            {
                await using BrokerUnderTest broker = await BrokerUnderTest.StartAsync(kind, cancellationToken).ConfigureAwait(false);
                CrossCheckResult result = await MosquittoClientsCrossCheck.RunAsync(broker, qos, options.CrossCheckMessages, 64, cancellationToken).ConfigureAwait(false);
                results.Add(result);
                Console.WriteLine(string.Create(
                    System.Globalization.CultureInfo.InvariantCulture,
                    $"[cross-check] {kind.Key(),-17} QoS {(int)qos}: {result.Received:N0} of {result.Sent:N0} in {result.ElapsedSeconds:0.00} s, {result.MessagesPerSecond:N0} messages/s{(result.Error is null ? string.Empty : "  FAILED: " + result.Error)}"));
            }
        }

        return results;
    }
}
