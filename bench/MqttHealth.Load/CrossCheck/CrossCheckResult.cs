using MqttHealth.Bench.Load.Brokers;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Bench.Load.CrossCheck;

/// <summary>What one <see cref="MosquittoClientsCrossCheck"/> run measured.</summary>
/// <param name="Broker">The broker measured.</param>
/// <param name="QoS">The QoS of the PUBLISHes (<c>mosquitto_pub -q</c>) and of the subscription (<c>mosquitto_sub -q</c>).</param>
/// <param name="Messages">How many messages were to be sent.</param>
/// <param name="PayloadBytes">The size of each payload (one line of stdin, without its newline).</param>
/// <param name="Sent">Lines written to mosquitto_pub's stdin before it was closed.</param>
/// <param name="Received">Distinct messages of the stream that mosquitto_sub printed (each payload carries its sequence number).</param>
/// <param name="ElapsedSeconds">From the first byte written to mosquitto_pub's stdin until mosquitto_sub exited after the last message.</param>
/// <param name="MessagesPerSecond"><paramref name="Received"/> / <paramref name="ElapsedSeconds"/>.</param>
/// <param name="FirstDeliverySeconds">
/// From the first byte written to mosquitto_pub until mosquitto_sub printed the first message: mosquitto_pub's
/// start-up, connection and its stdin loop's poll for the CONNACK (up to 100 ms), plus one message's latency. NaN when none arrived.
/// </param>
/// <param name="SteadyMessagesPerSecond">
/// (<paramref name="Received"/> − 1) / (<paramref name="ElapsedSeconds"/> − <paramref name="FirstDeliverySeconds"/>): the
/// rate once the stream is flowing, without mosquitto_pub's start-up. NaN with fewer than two messages.
/// </param>
/// <param name="Error">Null on success; otherwise what went wrong (missing, duplicate or reordered messages, a client's exit code and stderr, the timeout).</param>
internal sealed record CrossCheckResult(
    BrokerKind Broker,
    QualityOfService QoS,
    int Messages,
    int PayloadBytes,
    long Sent,
    long Received,
    double ElapsedSeconds,
    double MessagesPerSecond,
    double FirstDeliverySeconds,
    double SteadyMessagesPerSecond,
    string? Error)
{
    public bool Succeeded => Error is null;
}
