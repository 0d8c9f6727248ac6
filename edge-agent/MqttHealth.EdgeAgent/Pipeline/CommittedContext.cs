using System.Globalization;
using Google.Protobuf;

namespace MqttHealth.EdgeAgent.Pipeline;

/// <summary>
/// A device's patient context whose envelope is in the outbox: its number and patient, kept in the outbox's
/// <c>state</c> table (<see cref="StateKey"/>) in the same transaction as that envelope.
/// </summary>
/// <param name="Number">The context number.</param>
/// <param name="Patient">The patient reference (empty: no patient).</param>
public readonly record struct CommittedContext(uint Number, ByteString Patient)
{
    /// <summary>The state key of <paramref name="device"/>'s committed context.</summary>
    public static string StateKey(string device) => "context:" + device;

    /// <summary>A stored value (<c>number:base64</c>), or null when there is none or it does not parse.</summary>
    public static CommittedContext? Parse(string? value)
    {
        int colon = value?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        if (colon <= 0 || !uint.TryParse(value.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out uint number))
        {
            return null;
        }

        try
        {
            return new CommittedContext(number, ByteString.FromBase64(value![(colon + 1)..]));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>The stored form, <c>number:base64</c>.</summary>
    public override string ToString() => Number.ToString(CultureInfo.InvariantCulture) + ":" + Patient.ToBase64();
}
