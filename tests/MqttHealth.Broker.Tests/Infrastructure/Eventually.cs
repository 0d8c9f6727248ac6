using System.Diagnostics;

namespace MqttHealth.Broker.Tests.Infrastructure;

/// <summary>Bounded polling of a condition the engine exposes no signal for (a metric, a session count).</summary>
public static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> every few milliseconds until it holds; fails with <paramref name="what"/> after <paramref name="timeout"/> (10 s by default).</summary>
    public static async Task<TimeSpan> UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"Timed out after {limit.TotalSeconds} s waiting for: {what}.");
            }

            await Task.Delay(10);
        }

        return clock.Elapsed;
    }

    /// <summary>Waits until the broker counts <paramref name="count"/> connected clients (a closed connection has been fully handled).</summary>
    public static Task ClientsConnectedAsync(InProcessBroker broker, long count) =>
        UntilAsync(() => broker.Metrics.ClientsConnected == count, $"{count} connected clients (now {broker.Metrics.ClientsConnected})");

    /// <summary>Waits until the broker holds <paramref name="count"/> sessions.</summary>
    public static Task SessionsAsync(InProcessBroker broker, long count) =>
        UntilAsync(() => broker.Metrics.Sessions == count, $"{count} sessions (now {broker.Metrics.Sessions})");
}
