using MqttHealth.Mqtt.Client;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Bench.Broker;

/// <summary>
/// Leaves N idle persistent sessions in a broker: each connects (MQTT 5.0, Clean Start, a Session Expiry
/// Interval of a day), subscribes to its own device topic <c>mh/v1/fac1/unit{i % 50}/dev{i}/vitals</c> (every
/// fourth also to the per-device wildcard <c>mh/v1/fac1/unit{i % 50}/dev{i}/+</c>), and disconnects normally.
/// </summary>
/// <remarks>
/// The sessions and their subscriptions stay in the broker (and in its subscription index) until they expire,
/// with no connection open: 10,000 live TCP connections would need as many file descriptors on each side. The
/// unit levels are shared with the benchmark's published topic (<c>mh/v1/fac1/unit7/...</c>), so routing walks
/// through trie nodes with many unrelated children. Connections run in parallel, at most
/// <see cref="Parallelism"/> at a time, each bounded by <see cref="SessionTimeout"/>.
/// </remarks>
internal static class IdleSessionSeeder
{
    public const int Parallelism = 32;
    public const uint SessionExpirySeconds = 24 * 60 * 60;
    private static readonly TimeSpan SessionTimeout = TimeSpan.FromSeconds(30);

    public static async Task SeedAsync(int port, int count, CancellationToken cancellationToken)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken };
        await Parallel.ForAsync(0, count, options, async (i, ct) =>
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(SessionTimeout);
            await using var client = new MqttClient(new MqttClientOptions
            {
                Host = "127.0.0.1",
                Port = port,
                ClientId = $"idle-{i:D5}",
                CleanStart = true,
                SessionExpiryInterval = SessionExpirySeconds,
                KeepAliveSeconds = 0,
                ConnectTimeout = SessionTimeout,
            });
            await client.ConnectAsync(limit.Token).ConfigureAwait(false);

            string device = $"mh/v1/fac1/unit{i % 50}/dev{i}";
            MqttSubscription[] filters = i % 4 == 0
                ? [new($"{device}/vitals", QualityOfService.AtLeastOnce), new($"{device}/+", QualityOfService.AtLeastOnce)]
                : [new($"{device}/vitals", QualityOfService.AtLeastOnce)];
            MqttClientSubscribeResult result = await client.SubscribeAsync(filters, null, limit.Token).ConfigureAwait(false);
            foreach (ReasonCode code in result.ReasonCodes)
            {
                if ((byte)code >= 0x80)
                {
                    throw new InvalidOperationException($"The broker refused a subscription of idle session {i}: 0x{(byte)code:X2}.");
                }
            }

            await client.DisconnectAsync(ReasonCode.NormalDisconnection, null, limit.Token).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }
}
