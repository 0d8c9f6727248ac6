using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using MqttHealth.Payloads.Clinical.V1;
using MqttHealth.Payloads.Compression;
using MqttHealth.Payloads.Envelope;
using MqttHealth.Payloads.Keys;
using MqttHealth.Payloads.SenderKeys;

namespace MqttHealth.Payloads.Sdk;

/// <summary>An epoch a receiver accepted from an announcement.</summary>
public sealed record AcceptedEpoch(string SenderId, uint Epoch, DateTimeOffset Expires, ulong MaxMessages);

/// <summary>An opened envelope: where it came from, its place in the sender's sequence, and the payload.</summary>
public sealed record ReceivedMessage(ClinicalTopic Topic, string SenderId, uint Epoch, uint Sequence, bool Signed, ClinicalPayload Payload);

/// <summary>
/// The receiving side of the SDK, for a consumer (or a device/gateway that reads another's stream): takes retained
/// announcements from <c>.../keys</c> (verifies them against the facility CA and CRL, unwraps its own entry), then opens
/// envelopes into <see cref="ClinicalPayload"/>. Refusals are <see cref="ClinicalException"/> with a named
/// <see cref="ClinicalError"/>: unknown senders, duplicates, bad signatures, tampering. Not thread-safe.
/// </summary>
public sealed class ClinicalReceiver : IDisposable
{
    private readonly KeyIdentity _identity;
    private readonly FacilityTrust _trust;
    private readonly TimeProvider _time;
    private readonly SenderKeyStore _store = new();
    private readonly EnvelopeOpener _opener;
    private readonly ZstdDictionaryRegistry _registry;
    private readonly List<ZstdDictionaryCodec> _codecs = [];
    private readonly Dictionary<(string Sender, uint Epoch), ECDsa> _signatureKeys = [];

    public ClinicalReceiver(KeyIdentity identity, FacilityTrust trust, TimeProvider? time = null, PatientContextOptions? contexts = null)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(trust);
        if (!KeyRoles.MayReceive(identity.Role))
        {
            throw new KeyException(KeyErrorKind.WrongUsage, $"'{identity.Name}' is a {KeyRoles.ToName(identity.Role)}: it never receives epoch secrets");
        }

        _identity = identity;
        _trust = trust;
        _time = time ?? TimeProvider.System;
        _registry = ZstdDictionaryRegistry.FromEmbeddedResources();
        foreach (byte id in _registry.Ids)
        {
            _codecs.Add(_registry.CreateCodec(id));
        }

        _opener = new EnvelopeOpener(_store, _codecs);
        Contexts = new PatientContextResolver(contexts, _time);
    }

    /// <summary>
    /// Resolves the patient of opened sample sets (docs/payload-schema.md, "The context rule"): give it every opened
    /// message (<see cref="PatientContextResolver.Accept"/>); it keeps each sender's patient contexts and holds sets
    /// whose context has not arrived yet.
    /// </summary>
    public PatientContextResolver Contexts { get; }

    /// <summary>The receiver's own key id (what an announcement's entry for it is filed under).</summary>
    public string KeyId => _identity.KeyId;

    /// <summary>
    /// Takes a (retained) announcement received on <paramref name="topic"/> (<c>mh/v1/{facility}/{unit}/{device}/keys</c>):
    /// verifies it (CA, CRL, validity, signature), checks it is that device's (sender id, facility and unit as in the
    /// topic), unwraps this receiver's entry and adds the epoch. Seeing the same announcement again changes nothing.
    /// </summary>
    public AcceptedEpoch AcceptAnnouncement(string topic, ReadOnlySpan<byte> announcementJson)
    {
        if (!ClinicalTopic.TryParse(topic, out ClinicalTopic? parsed) || parsed.Stream != ClinicalStreams.Keys)
        {
            throw new ClinicalException(ClinicalError.BadTopic, $"'{topic}' is not an announcement topic mh/v1/FACILITY/UNIT/DEVICE/keys");
        }

        EpochAnnouncement announcement;
        X509Certificate2 certificate;
        try
        {
            announcement = EpochAnnouncement.Verify(announcementJson, _trust, _time);
            certificate = X509CertificateLoader.LoadCertificate(announcement.SenderCertificate);
        }
        catch (KeyException ex)
        {
            throw new ClinicalException(ClinicalError.BadAnnouncement, $"announcement on {topic}: {ex.Message}", ex);
        }

        using (certificate)
        {
            CertificateFacts facts = CertificateFacts.Read(certificate);
            if (facts.Name != parsed.Device || facts.Facility != parsed.Facility || facts.Unit != parsed.Unit)
            {
                throw new ClinicalException(ClinicalError.BadAnnouncement, $"announcement on {topic} is signed by '{facts.Name}' of {facts.Facility}/{facts.Unit}, not by that topic's device");
            }

            WrappedEpochSecret mine = announcement.Recipients.FirstOrDefault(r => r.KeyId == _identity.KeyId)
                ?? throw new ClinicalException(ClinicalError.NotARecipient, $"epoch {announcement.Epoch} of '{announcement.SenderId}' is not wrapped for '{_identity.Name}' (key {_identity.KeyId})");
            byte[] secret;
            try
            {
                secret = EpochKeyWrap.Unwrap(announcement.SenderId, announcement.Epoch, mine, _identity);
            }
            catch (KeyException ex)
            {
                throw new ClinicalException(ClinicalError.BadAnnouncement, $"announcement on {topic}: {ex.Message}", ex);
            }

            try
            {
                _store.AddEpoch(announcement.SenderId, announcement.Epoch, secret);
            }
            catch (InvalidOperationException ex)
            {
                throw new ClinicalException(ClinicalError.BadAnnouncement, $"announcement on {topic}: {ex.Message}", ex);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(secret);
            }

            var key = (announcement.SenderId, announcement.Epoch);
            if (!_signatureKeys.ContainsKey(key))
            {
                _signatureKeys[key] = certificate.GetECDsaPublicKey()!;
            }
        }

        return new AcceptedEpoch(announcement.SenderId, announcement.Epoch, announcement.Expires, announcement.MaxMessages);
    }

    /// <summary>
    /// Opens an envelope received on <paramref name="topic"/> (the device level is the sender id). Alarms and commands
    /// must be signed by the sender's certificate of that epoch. Throws <see cref="ClinicalException"/>.
    /// </summary>
    public ReceivedMessage Open(string topic, ReadOnlySpan<byte> envelope)
    {
        if (!ClinicalTopic.TryParse(topic, out ClinicalTopic? parsed) || !ClinicalStreams.IsEnvelopeStream(parsed.Stream))
        {
            throw new ClinicalException(ClinicalError.BadTopic, $"'{topic}' is not an envelope topic mh/v1/FACILITY/UNIT/DEVICE/STREAM");
        }

        if (!EnvelopeHeader.TryRead(envelope, out EnvelopeHeader header, out _, out EnvelopeError headerError))
        {
            throw new ClinicalException(ClinicalError.MalformedEnvelope, $"envelope on {topic}: {headerError}");
        }

        _signatureKeys.TryGetValue((parsed.Device, header.Epoch), out ECDsa? signatureKey);
        byte[] plaintext;
        try
        {
            plaintext = _opener.Open(envelope, topic, parsed.Device, signatureKey, ClinicalStreams.RequiresSignature(parsed.Stream));
        }
        catch (EnvelopeException ex)
        {
            ClinicalError error = ClinicalException.FromEnvelope(ex.Error);
            throw new ClinicalException(error, $"envelope on {topic} (epoch {header.Epoch}, sequence {header.Sequence}): {error}: {ex.Message}", ex);
        }

        ClinicalPayload payload;
        try
        {
            payload = ClinicalPayload.Parser.ParseFrom(plaintext);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new ClinicalException(ClinicalError.MalformedPayload, $"envelope on {topic}: the plaintext is not a ClinicalPayload ({ex.Message})", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }

        if (!Fits(parsed.Stream, payload.KindCase))
        {
            throw new ClinicalException(ClinicalError.MalformedPayload, $"envelope on {topic}: a {payload.KindCase} payload does not belong on the '{parsed.Stream}' stream");
        }

        if (payload.KindCase is ClinicalPayload.KindOneofCase.Alarm or ClinicalPayload.KindOneofCase.PatientContext && !header.Signed)
        {
            throw new ClinicalException(ClinicalError.SignatureMissing, $"envelope on {topic}: {(payload.KindCase == ClinicalPayload.KindOneofCase.Alarm ? "an alarm" : "a patient context")} without the sender's signature");
        }

        return new ReceivedMessage(parsed, parsed.Device, header.Epoch, header.Sequence, header.Signed, payload);
    }

    public void Dispose()
    {
        foreach (ECDsa key in _signatureKeys.Values)
        {
            key.Dispose();
        }

        foreach (ZstdDictionaryCodec codec in _codecs)
        {
            codec.Dispose();
        }

        _registry.Dispose();
    }

    private static bool Fits(string stream, ClinicalPayload.KindOneofCase kind) => stream switch
    {
        ClinicalStreams.Vitals => kind is ClinicalPayload.KindOneofCase.SampleSet or ClinicalPayload.KindOneofCase.SampleBatch,
        ClinicalStreams.Alarms => kind is ClinicalPayload.KindOneofCase.Alarm,
        ClinicalStreams.Status => kind is ClinicalPayload.KindOneofCase.Status,
        ClinicalStreams.Waveform => kind is ClinicalPayload.KindOneofCase.Waveform,
        ClinicalStreams.Context => kind is ClinicalPayload.KindOneofCase.PatientContext,
        _ => kind is not (ClinicalPayload.KindOneofCase.None or ClinicalPayload.KindOneofCase.PatientContext),
    };
}
