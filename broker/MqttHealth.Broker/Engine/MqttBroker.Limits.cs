using System.Net;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Engine;

/// <summary>
/// Abuse limits (<see cref="Options.LimitsOptions"/>): connected clients in all and per source address, subscriptions per
/// session, topic length and levels. Counts kept under the engine lock; each check is a comparison.
/// </summary>
public sealed partial class MqttBroker
{
    private readonly Dictionary<IPAddress, int> _connectedPerAddress = [];
    private int _connectedTotal;

    /// <summary>At CONNECT: false (and the CONNECT refused with 0x97 / return code 3) when a connection limit is reached.</summary>
    private bool WithinConnectionLimitsLocked(MqttConnection c)
    {
        int total = _options.Limits.MaxConnections;
        if (total > 0 && _connectedTotal >= total)
        {
            RefuseConnect(c, ReasonCode.QuotaExceeded, $"the broker has its maximum of {total} connections");
            return false;
        }

        int perAddress = _options.Limits.MaxConnectionsPerAddress;
        if (perAddress > 0 && AddressOf(c) is { } address && _connectedPerAddress.GetValueOrDefault(address) >= perAddress)
        {
            RefuseConnect(c, ReasonCode.QuotaExceeded, $"{perAddress} connections from this address already");
            return false;
        }

        return true;
    }

    /// <summary>Counts an accepted connection (when it is counted as a connected client).</summary>
    private void CountConnectedLocked(MqttConnection c)
    {
        _connectedTotal++;
        if (AddressOf(c) is { } address)
        {
            _connectedPerAddress[address] = _connectedPerAddress.GetValueOrDefault(address) + 1;
        }
    }

    /// <summary>Uncounts a connection that was counted.</summary>
    private void UncountConnectedLocked(MqttConnection c)
    {
        _connectedTotal--;
        if (AddressOf(c) is { } address && _connectedPerAddress.TryGetValue(address, out int count))
        {
            if (count <= 1)
            {
                _connectedPerAddress.Remove(address);
            }
            else
            {
                _connectedPerAddress[address] = count - 1;
            }
        }
    }

    /// <summary>True when a Topic Name or Filter is longer or deeper than the limits allow.</summary>
    private bool ExceedsTopicLimits(string topicOrFilter)
    {
        int maxLength = _options.Limits.MaxTopicLength;
        if (maxLength > 0 && topicOrFilter.Length > maxLength)
        {
            return true;
        }

        int maxLevels = _options.Limits.MaxTopicLevels;
        return maxLevels > 0 && topicOrFilter.AsSpan().Count('/') + 1 > maxLevels;
    }

    /// <summary>True when <paramref name="session"/> may not hold one more (new) subscription.</summary>
    private bool AtSubscriptionLimit(Session session, string filter) =>
        _options.Limits.MaxSubscriptionsPerClient > 0
        && session.Subscriptions.Count >= _options.Limits.MaxSubscriptionsPerClient
        && !session.Subscriptions.ContainsKey(filter);

    private static IPAddress? AddressOf(MqttConnection c) => (c.Info.RemoteEndPoint as IPEndPoint)?.Address;

    /// <summary>Starts the client's rate buckets at CONNECT (when the limits are on).</summary>
    private void StartRatesLocked(MqttConnection c)
    {
        long now = _time.GetTimestamp();
        c.MessageRate = _options.Limits.MaxMessagesPerSecond > 0 ? new TokenBucket(_options.Limits.MaxMessagesPerSecond, now, _time.TimestampFrequency) : null;
        c.ByteRate = _options.Limits.MaxBytesPerSecond > 0 ? new TokenBucket(_options.Limits.MaxBytesPerSecond, now, _time.TimestampFrequency) : null;
    }

    /// <summary>
    /// One PUBLISH against the client's rates: false, and the client disconnected (5.0: 0x96 Message rate too high or 0x97
    /// Quota exceeded for bytes; 3.1.1: closed), when it goes beyond them.
    /// </summary>
    private bool WithinRatesLocked(MqttConnection c, int packetSize)
    {
        if (c.MessageRate is null && c.ByteRate is null)
        {
            return true;
        }

        long now = _time.GetTimestamp();
        if (c.MessageRate is { } messages && !messages.TryTake(1, now))
        {
            _metrics.MessageDropped("rate-limit");
            c.Close(ReasonCode.MessageRateTooHigh, $"more than {_options.Limits.MaxMessagesPerSecond} PUBLISH packets a second");
            return false;
        }

        if (c.ByteRate is { } bytes && !bytes.TryTake(packetSize, now))
        {
            _metrics.MessageDropped("rate-limit");
            c.Close(ReasonCode.QuotaExceeded, $"more than {_options.Limits.MaxBytesPerSecond} PUBLISH bytes a second");
            return false;
        }

        return true;
    }
}
