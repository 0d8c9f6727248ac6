using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using Google.Protobuf;
using MqttHealth.Corpus;
using MqttHealth.Mqtt.Codec;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;
using MqttHealth.Payloads.Clinical.V1;
using MqttHealth.Payloads.Compression;
using MqttHealth.Payloads.Envelope;
using MqttHealth.Payloads.SenderKeys;

namespace MqttHealth.Bench.PayloadSizes;

/// <summary>The representations measured, in the order of the report.</summary>
internal enum Form
{
    Fhir,
    ProtoJson,
    Protobuf,
    ZstdPlain,
    ZstdDictionary,
    SealedUnpadded,
    SealedPadded,
    PublishTopic,
    PublishAlias,
}

/// <summary>One message of the held-out corpus in every form (-1: the form does not apply to this kind).</summary>
internal sealed record MessageSizes(MessageKind Kind, int Readings, int[] Bytes, int[] Fields);

/// <summary>Measures every held-out message in every form.</summary>
internal sealed unsafe class Sizes : IDisposable
{
    public const string Device = "dev-0042";
    public const int StartSequence = 1000;

    /// <summary>Fields of a single sample set, as they are encoded.</summary>
    public static readonly string[] FieldNames =
    [
        "ClinicalPayload oneof (tag + length)",
        "identifying columns: MDC codes, LOINC codes, UCUM units, exponents",
        "values (tag + length + varints)",
        "other columns (time offsets, statuses)",
        "context (tag + number)",
        "patient_ref (only in sets that name their patient directly)",
        "time_ms (tag + varint of Unix ms)",
    ];

    // The patient of a context without one, for the FHIR form only (the mapper requires a subject).
    private static readonly ByteString Placeholder = ByteString.CopyFrom(new byte[8]);

    private static readonly JsonFormatter ProtoJsonFormatter = new(JsonFormatter.Settings.Default.WithFormatEnumsAsIntegers(true));

    private readonly ZstdDictionaryRegistry _registry = ZstdDictionaryRegistry.FromEmbeddedResources();
    private readonly ZstdDictionaryCodec _codec;
    private readonly ZstdCompressionContextHandle _plain;
    private readonly ECDsa _signingKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly EnvelopeSealer _padded;
    private readonly EnvelopeSealer _unpadded;
    private readonly byte[] _buffer = new byte[1 << 16];
    private ByteString _patient = Placeholder;

    public Sizes()
    {
        _codec = _registry.CreateCodec(1);
        Level = _codec.Dictionary.Manifest.Level;
        _plain = ZstdNative.CreateCCtx();
        ZstdNative.Check(ZstdNative.CCtxSetParameter(_plain, ZstdNative.CParamFormat, ZstdNative.FormatMagicless), "setup");
        ZstdNative.Check(ZstdNative.CCtxSetParameter(_plain, ZstdNative.CParamCompressionLevel, Level), "setup");
        ZstdNative.Check(ZstdNative.CCtxSetParameter(_plain, ZstdNative.CParamDictIdFlag, 0), "setup");
        var secret = RandomNumberGenerator.GetBytes(32);
        _padded = new EnvelopeSealer(At(secret, StartSequence), EnvelopeOptions.Default, _codec, _signingKey);
        _unpadded = new EnvelopeSealer(At(secret, StartSequence), new EnvelopeOptions { Padding = null }, _codec, _signingKey);
    }

    /// <summary>The compression level of clinical-v1 (from its manifest), used for the plain zstd baseline too.</summary>
    public int Level { get; }

    public static string Topic(MessageKind kind) => $"mh/v1/f1/u1/{Device}/" + kind switch
    {
        MessageKind.Alarm => "alarms",
        MessageKind.Status => "status",
        MessageKind.PatientContext => "context",
        _ => "vitals",
    };

    /// <summary>Alarms and patient contexts are signed (docs/sdk.md).</summary>
    public static bool Signed(MessageKind kind) => kind is MessageKind.Alarm or MessageKind.PatientContext;

    public MessageSizes Measure(CorpusMessage message)
    {
        var payload = ClinicalPayload.Parser.ParseFrom(message.Bytes);
        var bytes = new int[Enum.GetValues<Form>().Length];
        Array.Fill(bytes, -1);
        var readings = 1;
        int[] fields = [];
        switch (message.Kind)
        {
            case MessageKind.PatientContext:
                // The corpus is device by device, each device's context first: what a receiver resolves the next sets with.
                _patient = payload.PatientContext.PatientRef.IsEmpty ? Placeholder : payload.PatientContext.PatientRef;
                break;
            case MessageKind.SampleSet:
                readings = payload.SampleSet.Values.Count;
                bytes[(int)Form.Fhir] = FhirJson.SampleSet(payload.SampleSet, _patient);
                fields = Fields(payload.SampleSet);
                break;
            case MessageKind.GatewayBatch:
                readings = payload.SampleBatch.Sets.Sum(s => s.Values.Count);
                bytes[(int)Form.Fhir] = FhirJson.Batch(payload.SampleBatch, _patient);
                break;
        }

        bytes[(int)Form.ProtoJson] = ProtoJson(payload);
        bytes[(int)Form.Protobuf] = message.Bytes.Length;
        bytes[(int)Form.ZstdPlain] = CompressPlain(message.Bytes);
        bytes[(int)Form.ZstdDictionary] = _codec.Compress(message.Bytes, _buffer);
        var sign = Signed(message.Kind);
        var topic = Topic(message.Kind);
        bytes[(int)Form.SealedUnpadded] = _unpadded.Seal(message.Bytes, topic, _buffer, sign);
        var sealedLength = _padded.Seal(message.Bytes, topic, _buffer, sign);
        bytes[(int)Form.SealedPadded] = sealedLength;
        var envelope = _buffer.AsMemory(0, sealedLength);
        bytes[(int)Form.PublishTopic] = Publish(topic, envelope, alias: false);
        bytes[(int)Form.PublishAlias] = Publish(topic, envelope, alias: true);
        return new MessageSizes(message.Kind, readings, bytes, fields);
    }

    public void Dispose()
    {
        _plain.Dispose();
        _codec.Dispose();
        _registry.Dispose();
        _signingKey.Dispose();
    }

    private static SenderKeyState At(byte[] secret, int sequence)
    {
        var state = SenderKeyState.Create(Device, 1, secret);
        Span<byte> key = stackalloc byte[KeyRatchet.MessageKeyLength];
        for (var i = 0; i < sequence; i++)
        {
            state.Advance(key);
        }

        return state;
    }

    /// <summary>proto3's canonical JSON mapping (field names, enums as numbers, bytes base64, 64-bit integers as strings), minified.</summary>
    private static int ProtoJson(ClinicalPayload payload)
    {
        using var document = JsonDocument.Parse(ProtoJsonFormatter.Format(payload));
        var output = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(output))
        {
            document.WriteTo(writer);
        }

        return output.WrittenCount;
    }

    /// <summary>The size of each field of a single sample set's ClinicalPayload, summing to its encoded length.</summary>
    private static int[] Fields(SampleSet set)
    {
        var setSize = set.CalculateSize();
        var oneof = new ClinicalPayload { SampleSet = set }.CalculateSize() - setSize;
        var identity = Without(set, s =>
        {
            s.MdcCodes.Clear();
            s.Loinc.Clear();
            s.Ucum.Clear();
            s.Exponents.Clear();
        });
        var values = Without(set, s => s.Values.Clear());
        var context = Without(set, s => s.Context = 0);
        var patient = Without(set, s => s.PatientRef = ByteString.Empty);
        var time = Without(set, s => s.TimeMs = 0);
        return [oneof, identity, values, setSize - identity - values - context - patient - time, context, patient, time];
    }

    private static int Without(SampleSet set, Action<SampleSet> clear)
    {
        var copy = set.Clone();
        clear(copy);
        return set.CalculateSize() - copy.CalculateSize();
    }

    private int CompressPlain(byte[] source)
    {
        fixed (byte* s = source)
        fixed (byte* d = _buffer)
        {
            return (int)ZstdNative.Check(ZstdNative.Compress2(_plain, d, (nuint)_buffer.Length, s, (nuint)source.Length), "compress");
        }
    }

    /// <summary>The whole MQTT 5.0 PUBLISH at QoS 1: with the topic name, or with an established topic alias (empty topic, Topic Alias property).</summary>
    private static int Publish(string topic, ReadOnlyMemory<byte> envelope, bool alias)
    {
        var packet = new PublishPacket
        {
            QoS = QualityOfService.AtLeastOnce,
            PacketId = 1,
            Topic = alias ? string.Empty : topic,
            Payload = envelope,
            Properties = alias ? new MqttProperties { TopicAlias = 1 } : null,
        };
        return MqttPacketEncoder.EncodePublish(packet, MqttProtocolVersion.V500, new ArrayBufferWriter<byte>());
    }
}
