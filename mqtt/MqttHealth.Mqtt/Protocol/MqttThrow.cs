using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace MqttHealth.Mqtt.Protocol;

/// <summary>Throw helpers kept out of line so that the parsing hot paths stay small.</summary>
internal static class MqttThrow
{
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Malformed(string normativeId, string message) =>
        throw new MqttProtocolException(ReasonCode.MalformedPacket, normativeId, message);

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ProtocolError(string normativeId, string message) =>
        throw new MqttProtocolException(ReasonCode.ProtocolError, normativeId, message);

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Error(ReasonCode code, string normativeId, string message) =>
        throw new MqttProtocolException(code, normativeId, message);

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Truncated(string what) =>
        throw new MqttProtocolException(ReasonCode.MalformedPacket, string.Empty, $"The packet ends inside its {what}: the remaining length is too short for its content.");
}
