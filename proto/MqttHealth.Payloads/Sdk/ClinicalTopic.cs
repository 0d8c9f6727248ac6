using System.Diagnostics.CodeAnalysis;
using MqttHealth.Payloads.Clinical.V1;
using MqttHealth.Payloads.Keys;

namespace MqttHealth.Payloads.Sdk;

/// <summary>The streams of a sender's topics, <c>mh/v1/{facility}/{unit}/{device}/{stream}</c>.</summary>
public static class ClinicalStreams
{
    public const string Vitals = "vitals";
    public const string Alarms = "alarms";
    public const string Status = "status";
    public const string Commands = "cmd";
    public const string Waveform = "waveform";

    /// <summary>The retained <see cref="PatientContext"/> of the device: which patient its sample sets belong to (signed).</summary>
    public const string Context = "context";

    /// <summary>The retained epoch announcement (not an envelope).</summary>
    public const string Keys = "keys";

    /// <summary>
    /// Streams whose envelopes must carry the sender's signature (a group key alone lets any recipient forge): alarms,
    /// commands, and patient contexts (a forged context would attribute a device's readings to another patient).
    /// </summary>
    public static bool RequiresSignature(string stream) => stream is Alarms or Commands or Context;

    /// <summary>The stream a payload goes to by default: sample sets and batches to vitals, alarms to alarms, and so on.</summary>
    public static string For(ClinicalPayload payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        return payload.KindCase switch
        {
            ClinicalPayload.KindOneofCase.SampleSet or ClinicalPayload.KindOneofCase.SampleBatch => Vitals,
            ClinicalPayload.KindOneofCase.Alarm => Alarms,
            ClinicalPayload.KindOneofCase.Status => Status,
            ClinicalPayload.KindOneofCase.Waveform => Waveform,
            ClinicalPayload.KindOneofCase.PatientContext => Context,
            ClinicalPayload.KindOneofCase.Receipt => throw new ArgumentException("a receipt is sent by a consumer, not on a device's stream; give the stream explicitly", nameof(payload)),
            _ => throw new ArgumentException("the payload has no kind set", nameof(payload)),
        };
    }

    /// <summary>Whether <paramref name="stream"/> is one of the envelope streams above (not <see cref="Keys"/>).</summary>
    public static bool IsEnvelopeStream(string stream) => stream is Vitals or Alarms or Status or Commands or Waveform or Context;
}

/// <summary>A parsed topic name <c>mh/v1/{facility}/{unit}/{device}/{stream}</c>; the device level is the sender id.</summary>
public sealed record ClinicalTopic(string Facility, string Unit, string Device, string Stream)
{
    /// <summary>The topic name.</summary>
    public override string ToString() => $"mh/{PayloadSchema.TopicVersion}/{Facility}/{Unit}/{Device}/{Stream}";

    /// <summary>The topic of <paramref name="stream"/> for a device (names checked as principal names).</summary>
    public static ClinicalTopic Create(string facility, string unit, string device, string stream)
    {
        PrincipalNames.Validate(facility, "facility", nameof(facility));
        PrincipalNames.Validate(unit, "unit", nameof(unit));
        PrincipalNames.Validate(device, "device", nameof(device));
        if (!ClinicalStreams.IsEnvelopeStream(stream) && stream != ClinicalStreams.Keys)
        {
            throw new ArgumentException($"unknown stream '{stream}': expected vitals, alarms, status, cmd, waveform, context or keys", nameof(stream));
        }

        return new ClinicalTopic(facility, unit, device, stream);
    }

    /// <summary>Parses a topic name; false unless it has exactly the six levels with valid names and a known stream.</summary>
    public static bool TryParse(string? topic, [NotNullWhen(true)] out ClinicalTopic? parsed)
    {
        parsed = null;
        if (topic is null)
        {
            return false;
        }

        string[] levels = topic.Split('/');
        if (levels.Length != 6 || levels[0] != "mh" || levels[1] != PayloadSchema.TopicVersion
            || !PrincipalNames.IsValid(levels[2]) || !PrincipalNames.IsValid(levels[3]) || !PrincipalNames.IsValid(levels[4])
            || !(ClinicalStreams.IsEnvelopeStream(levels[5]) || levels[5] == ClinicalStreams.Keys))
        {
            return false;
        }

        parsed = new ClinicalTopic(levels[2], levels[3], levels[4], levels[5]);
        return true;
    }
}
