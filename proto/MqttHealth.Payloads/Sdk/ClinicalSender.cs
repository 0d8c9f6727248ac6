using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using MqttHealth.Payloads.Clinical.V1;
using MqttHealth.Payloads.Compression;
using MqttHealth.Payloads.Envelope;
using MqttHealth.Payloads.Keys;
using MqttHealth.Payloads.SenderKeys;

namespace MqttHealth.Payloads.Sdk;

/// <summary>How a <see cref="ClinicalSender"/> seals.</summary>
public sealed class ClinicalSenderOptions
{
    /// <summary>When epochs rotate (age, message count); the announcement carries these limits.</summary>
    public EpochRotationPolicy Policy { get; init; } = EpochRotationPolicy.Default;

    /// <summary>Suite and padding of the envelopes.</summary>
    public EnvelopeOptions Envelope { get; init; } = EnvelopeOptions.Default;

    /// <summary>Compress with the committed clinical-v1 dictionary (id 1). False: envelopes are not compressed.</summary>
    public bool Compress { get; init; } = true;

    /// <summary>
    /// Keep the sender state (epoch, next sequence, chain key) in <c>{name}.sender.json</c> so a restarted sender goes
    /// on in its epoch instead of starting a new one. The file is encrypted with a key only the identity's private key
    /// derives. False: every process starts a new epoch (still never reusing a sequence: epoch numbers are persisted).
    /// </summary>
    public bool PersistState { get; init; } = true;

    public TimeProvider Time { get; init; } = TimeProvider.System;
}

/// <summary>One sealed payload: publish <see cref="Envelope"/> on <see cref="Topic"/>, after <see cref="Announcement"/> when set.</summary>
/// <param name="Topic">The topic the envelope is bound to (its associated data); publish it there.</param>
/// <param name="Envelope">The sealed envelope.</param>
/// <param name="Signed">Whether it carries the sender's signature (alarms and commands).</param>
/// <param name="Epoch">The epoch it was sealed under.</param>
/// <param name="Sequence">Its sequence number in the epoch.</param>
/// <param name="Announcement">
/// Non-null while the current epoch's announcement has not been confirmed published: publish it <b>retained</b> at
/// <see cref="AnnouncementTopic"/> before the envelope, then call <see cref="ClinicalSender.AnnouncementPublished"/>.
/// </param>
/// <param name="AnnouncementTopic">The sender's <c>.../keys</c> topic.</param>
/// <param name="Retain">Publish it retained (a <see cref="PatientContext"/>).</param>
/// <param name="Context">
/// The current <see cref="PatientContext"/> sealed anew under a new epoch (so receivers that join later can read it):
/// publish it <b>retained</b> after the announcement and before the envelope.
/// </param>
public sealed record SealedMessage(string Topic, byte[] Envelope, bool Signed, uint Epoch, uint Sequence, byte[]? Announcement, string AnnouncementTopic, bool Retain = false, SealedMessage? Context = null);

/// <summary>
/// The sending side of the SDK: turns a <see cref="ClinicalPayload"/> into a sealed envelope for
/// <c>mh/v1/{facility}/{unit}/{device}/{stream}</c>. It starts epochs when the <see cref="SenderEpochManager"/> says so
/// (and hands back the announcement to publish retained), compresses with the clinical-v1 dictionary, signs alarms and
/// commands, and persists its state before returning an envelope, so no sequence is ever sealed twice.
/// Not thread-safe: one sender per device, used by one thread at a time.
/// </summary>
public sealed class ClinicalSender : IDisposable
{
    private const string StateType = "mqtthealth/v1/sender-state";
    private const string ContextType = "mqtthealth/v1/sender-context";
    private const string CounterType = "mqtthealth/v1/context-counter";
    private readonly KeyIdentity _identity;
    private readonly SenderEpochManager _manager;
    private readonly ClinicalSenderOptions _options;
    private readonly string _statePath;
    private readonly string _counterPath;
    private readonly ZstdDictionaryRegistry? _registry;
    private readonly ZstdDictionaryCodec? _codec;
    private readonly byte[] _stateKey;
    private SenderKeyState? _state;
    private EnvelopeSealer? _sealer;
    private Epoch? _epoch;
    private bool _resumed;
    private uint _lastContext;
    private ContextState? _context;
    private uint? _contextSealedEpoch;

    /// <summary>
    /// A sender for <paramref name="identity"/> (a device or gateway with a unit). Its files live in
    /// <paramref name="stateDirectory"/>: <c>{name}.epoch.json</c> (the epoch counter, as <c>mqtthealth keys rotate</c>
    /// keeps it) and <c>{name}.sender.json</c> (the encrypted sender state). Add the recipients before sealing.
    /// </summary>
    public ClinicalSender(KeyIdentity identity, FacilityTrust trust, string stateDirectory, ClinicalSenderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(trust);
        ArgumentException.ThrowIfNullOrEmpty(stateDirectory);
        _options = options ?? new ClinicalSenderOptions();
        if (identity.Facts.Unit is null)
        {
            throw new KeyException(KeyErrorKind.WrongUsage, $"'{identity.Name}' has no unit (OU), so it has no topics mh/v1/FACILITY/UNIT/NAME/...");
        }

        _identity = identity;
        Directory.CreateDirectory(stateDirectory);
        _manager = new SenderEpochManager(identity, trust, _options.Policy, Path.Combine(stateDirectory, identity.Name + ".epoch.json"), _options.Time);
        _statePath = Path.Combine(stateDirectory, identity.Name + ".sender.json");
        _counterPath = Path.Combine(stateDirectory, identity.Name + ".context.json");
        _stateKey = DeriveStateKey(identity);
        _lastContext = ReadCounter();
        if (_options.Compress)
        {
            _registry = ZstdDictionaryRegistry.FromEmbeddedResources();
            _codec = _registry.CreateCodec(1);
        }

        if (_options.PersistState)
        {
            Resume();
        }
    }

    /// <summary>The sender id (the identity's CN), the device level of its topics.</summary>
    public string SenderId => _identity.Name;

    /// <summary>
    /// The number of the <see cref="PatientContext"/> in force (the last one this sender issued, across restarts), 0
    /// before the first association. <see cref="Seal"/> stamps it on sample sets and batches that name no patient.
    /// </summary>
    public uint CurrentContext => _lastContext;

    /// <summary>The patient of <see cref="CurrentContext"/> (empty: none), or null when not known (no context yet, or the state was not persisted).</summary>
    public ByteString? CurrentPatient => _context is { } c && c.Number == _lastContext ? c.PatientRef : null;

    /// <summary>
    /// Associates the device with <paramref name="patientRef"/> from <paramref name="since"/> (default now); an empty
    /// reference associates it with no patient. Takes the next context number, which is written to
    /// <c>{name}.context.json</c> before it is used, so a number is never issued twice, across restarts too; returns the
    /// sealed <see cref="PatientContext"/> (signed) to publish <b>retained</b> on the <c>context</c> stream before the
    /// sample sets that refer to it. Later seals stamp the new number on sample sets.
    /// </summary>
    public SealedMessage AssociatePatient(ByteString patientRef, DateTimeOffset? since = null)
    {
        ArgumentNullException.ThrowIfNull(patientRef);
        ulong sinceMs = (ulong)(since ?? _options.Time.GetUtcNow()).ToUnixTimeMilliseconds();
        uint number = _lastContext == uint.MaxValue ? throw new InvalidOperationException("the context numbers of this sender are exhausted") : _lastContext + 1;
        WriteCounter(number); // before the number leaves: a crash after this never reuses it
        _lastContext = number;
        _context = new ContextState(number, patientRef, sinceMs);
        EnsureEpoch();
        _contextSealedEpoch = _state!.Epoch;
        return SealOne(ContextPayload(_context), ClinicalStreams.Context) with { Retain = true };
    }

    /// <summary>The epoch manager (recipients, revocation, rotation policy).</summary>
    public SenderEpochManager Epochs => _manager;

    /// <summary>The current epoch, or null before the first seal (or after a restart without state).</summary>
    public uint? CurrentEpoch => _state?.Epoch;

    /// <summary>The sequence the next seal uses.</summary>
    public uint? NextSequence => _state?.NextSequence;

    /// <summary>The current epoch's announcement while it has not been confirmed published; else null.</summary>
    public byte[]? PendingAnnouncement => _epoch is { Announced: false } e ? e.Announcement : null;

    /// <summary>The retained announcement topic, <c>mh/v1/{facility}/{unit}/{device}/keys</c>.</summary>
    public string AnnouncementTopic => KeyTopics.Announcement(_identity.Facts.Facility, _identity.Facts.Unit!, _identity.Name);

    /// <summary>The topic of a stream of this sender.</summary>
    public ClinicalTopic Topic(string stream) => ClinicalTopic.Create(_identity.Facts.Facility, _identity.Facts.Unit!, _identity.Name, stream);

    /// <summary>Authorises a recipient (a consumer, device or gateway certificate of the facility); a new epoch is then due.</summary>
    public void AddRecipient(X509Certificate2 certificate) => _manager.AddRecipient(certificate);

    /// <summary>Starts a new epoch now if one is due (<see cref="SealedMessage.Announcement"/> of the next seal, or <see cref="PendingAnnouncement"/>, carries it).</summary>
    public EpochRotationReason EnsureEpoch()
    {
        EpochRotationReason reason = RotationDue();
        if (reason == EpochRotationReason.None)
        {
            return reason;
        }

        EpochRotation rotation = _manager.Rotate();
        using (rotation.Secret)
        {
            _state?.Erase();
            _state = SenderKeyState.Create(SenderId, rotation.Secret.Epoch, rotation.Secret.Secret);
        }

        _sealer = new EnvelopeSealer(_state, _options.Envelope, _codec, _identity.SigningKey);
        HashSet<string> recipients = [.. rotation.Announcement.Recipients.Select(r => r.KeyId)];
        _epoch = new Epoch(rotation.Announcement.Epoch, rotation.Announcement.Expires, rotation.Announcement.MaxMessages, 0, recipients, rotation.Announcement.ToJson(), false);
        _resumed = false;
        Persist();
        return reason;
    }

    /// <summary>
    /// Seals <paramref name="payload"/> on <paramref name="stream"/> (default: by its kind; see <see cref="ClinicalStreams.For"/>).
    /// Alarms, commands and patient contexts are signed. A sample set or batch that names neither a context nor a
    /// patient gets <see cref="CurrentContext"/> (on a copy; <paramref name="payload"/> is not modified). When this seal
    /// starts a new epoch and the current context's patient is known, <see cref="SealedMessage.Context"/> carries it
    /// sealed under the new epoch.
    /// </summary>
    public SealedMessage Seal(ClinicalPayload payload, string? stream = null)
    {
        ArgumentNullException.ThrowIfNull(payload);
        stream ??= ClinicalStreams.For(payload);
        payload = Stamp(payload);
        EnsureEpoch();
        SealedMessage? context = null;
        if (PendingAnnouncement is not null && _context is { } current && current.Number == _lastContext && _contextSealedEpoch != _state!.Epoch
            && payload.KindCase != ClinicalPayload.KindOneofCase.PatientContext)
        {
            context = SealOne(ContextPayload(current), ClinicalStreams.Context) with { Retain = true };
            _contextSealedEpoch = _state.Epoch;
        }

        return SealOne(payload, stream) with { Context = context };
    }

    private SealedMessage SealOne(ClinicalPayload payload, string stream)
    {
        if (!ClinicalStreams.IsEnvelopeStream(stream))
        {
            throw new ArgumentException($"'{stream}' is not an envelope stream", nameof(stream));
        }

        bool sign = ClinicalStreams.RequiresSignature(stream) || payload.KindCase is ClinicalPayload.KindOneofCase.Alarm or ClinicalPayload.KindOneofCase.PatientContext;
        string topic = Topic(stream).ToString();
        byte[] plaintext = payload.ToByteArray();
        try
        {
            EnsureEpoch();
            uint sequence = _state!.NextSequence;
            byte[] envelope = _sealer!.Seal(plaintext, topic, sign);
            _manager.RecordMessage();
            _epoch = _epoch! with { Messages = _epoch.Messages + 1 };
            Persist(); // before the envelope can leave: a crash after this never reuses the sequence
            return new SealedMessage(topic, envelope, sign, _state.Epoch, sequence, PendingAnnouncement, AnnouncementTopic);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>Confirms the current epoch's announcement was published (retained); later seals no longer return it.</summary>
    public void AnnouncementPublished()
    {
        if (_epoch is { Announced: false })
        {
            _epoch = _epoch with { Announced = true };
            Persist();
        }
    }

    public void Dispose()
    {
        _state?.Erase();
        CryptographicOperations.ZeroMemory(_stateKey);
        _codec?.Dispose();
        _registry?.Dispose();
    }

    private EpochRotationReason RotationDue()
    {
        if (_state is null || _epoch is null)
        {
            return EpochRotationReason.NoCurrentEpoch;
        }

        if (_state.Exhausted)
        {
            return EpochRotationReason.MessageCount;
        }

        if (!_resumed)
        {
            return _manager.RotationDue;
        }

        // Resumed from the state file: the manager knows no epoch of this process, so check the stored one.
        if (_epoch.Messages >= _epoch.MaxMessages)
        {
            return EpochRotationReason.MessageCount;
        }

        if (_options.Time.GetUtcNow() >= _epoch.Expires)
        {
            return EpochRotationReason.Age;
        }

        var wanted = new HashSet<string>(_manager.RecipientKeyIds, StringComparer.Ordinal) { _identity.KeyId };
        if (!wanted.IsSubsetOf(_epoch.Recipients))
        {
            return EpochRotationReason.RecipientsChanged;
        }

        return _epoch.Recipients.IsSubsetOf(wanted) ? EpochRotationReason.None : EpochRotationReason.RecipientRevoked;
    }

    private void Resume()
    {
        if (!File.Exists(_statePath))
        {
            return;
        }

        byte[] json = File.ReadAllBytes(_statePath);
        try
        {
            using JsonDocument document = JsonDocument.Parse(json);
            JsonElement root = document.RootElement;
            if (root.GetProperty("type").GetString() != StateType || root.GetProperty("sender").GetString() != SenderId)
            {
                throw new KeyException(KeyErrorKind.Malformed, $"{_statePath}: not the sender state of '{SenderId}'");
            }

            if (root.TryGetProperty("context", out JsonElement context))
            {
                _context = OpenContext(context);
                _lastContext = Math.Max(_lastContext, _context.Number);
            }

            uint epoch = root.GetProperty("epoch").GetUInt32();
            if (epoch != _manager.LastEpoch)
            {
                return; // another tool started a later epoch with this counter: start a new one
            }

            byte[] plain = OpenAtRest(root.GetProperty("nonce").GetBytesFromBase64(), root.GetProperty("state").GetBytesFromBase64(), StateAssociatedData(epoch), "sender state");
            try
            {
                SenderKeyState state = SenderKeyState.Deserialize(plain);
                if (state.SenderId != SenderId || state.Epoch != epoch)
                {
                    throw new KeyException(KeyErrorKind.Malformed, $"{_statePath}: the sealed state is another sender's or epoch's");
                }

                _state = state;
            }
            finally
            {
                CryptographicOperations.ZeroMemory(plain);
            }

            HashSet<string> recipients = [.. root.GetProperty("recipients").EnumerateArray().Select(e => e.GetString()!)];
            _epoch = new Epoch(
                epoch,
                DateTimeOffset.Parse(root.GetProperty("expires").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
                root.GetProperty("maxMessages").GetUInt64(),
                root.GetProperty("messages").GetUInt64(),
                recipients,
                root.GetProperty("announcement").GetBytesFromBase64(),
                root.GetProperty("announced").GetBoolean());
            _sealer = new EnvelopeSealer(_state, _options.Envelope, _codec, _identity.SigningKey);
            _resumed = true;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException or InvalidDataException)
        {
            throw new KeyException(KeyErrorKind.Malformed, $"{_statePath}: the sender state is unreadable ({ex.Message}); move it away to start a new epoch", ex);
        }
    }

    private void Persist()
    {
        if (!_options.PersistState || _state is null || _epoch is null)
        {
            return;
        }

        byte[] plain = _state.Serialize();
        (byte[] nonce, byte[] sealedState) = SealAtRest(plain, StateAssociatedData(_state.Epoch));
        CryptographicOperations.ZeroMemory(plain);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("type", StateType);
            writer.WriteString("sender", SenderId);
            writer.WriteNumber("epoch", _state.Epoch);
            writer.WriteString("expires", _epoch.Expires.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture));
            writer.WriteNumber("maxMessages", _epoch.MaxMessages);
            writer.WriteNumber("messages", _epoch.Messages);
            writer.WriteStartArray("recipients");
            foreach (string keyId in _epoch.Recipients.Order(StringComparer.Ordinal))
            {
                writer.WriteStringValue(keyId);
            }

            writer.WriteEndArray();
            writer.WriteBoolean("announced", _epoch.Announced);
            writer.WriteBase64String("announcement", _epoch.Announcement);
            writer.WriteBase64String("nonce", nonce);
            writer.WriteBase64String("state", sealedState);
            if (_context is { } context)
            {
                WriteContext(writer, context);
            }

            writer.WriteEndObject();
        }

        WriteAtomically(_statePath, buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    /// <summary>Replaces <paramref name="path"/> with <paramref name="content"/>: a flushed temporary file (owner-only), renamed over it.</summary>
    private static void WriteAtomically(string path, ReadOnlySpan<byte> content)
    {
        string temporary = path + ".tmp";
        var fileOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, fileOptions))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    private static ClinicalPayload ContextPayload(ContextState context) =>
        new() { PatientContext = new PatientContext { Number = context.Number, PatientRef = context.PatientRef, SinceMs = context.SinceMs } };

    /// <summary>The payload with <see cref="CurrentContext"/> on a sample set or batch that names neither a context nor a patient (a copy), else itself.</summary>
    private ClinicalPayload Stamp(ClinicalPayload payload)
    {
        if (_lastContext == 0)
        {
            return payload;
        }

        switch (payload.KindCase)
        {
            case ClinicalPayload.KindOneofCase.SampleSet when payload.SampleSet.Context == 0 && payload.SampleSet.PatientRef.IsEmpty:
                ClinicalPayload set = payload.Clone();
                set.SampleSet.Context = _lastContext;
                return set;
            case ClinicalPayload.KindOneofCase.SampleBatch when payload.SampleBatch.Context == 0 && payload.SampleBatch.PatientRef.IsEmpty:
                ClinicalPayload batch = payload.Clone();
                batch.SampleBatch.Context = _lastContext;
                return batch;
            default:
                return payload;
        }
    }

    /// <summary>The last context number issued, from <c>{name}.context.json</c> (0 when there is none); an unreadable file is refused, never taken as 0.</summary>
    private uint ReadCounter()
    {
        if (!File.Exists(_counterPath))
        {
            return 0;
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(_counterPath));
            JsonElement root = document.RootElement;
            if (root.GetProperty("type").GetString() != CounterType || root.GetProperty("sender").GetString() != SenderId)
            {
                throw new KeyException(KeyErrorKind.Malformed, $"{_counterPath}: not the context counter of '{SenderId}'");
            }

            return root.GetProperty("last").GetUInt32();
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new KeyException(KeyErrorKind.Malformed, $"{_counterPath}: the context counter is unreadable ({ex.Message}); a context number must never be reused, so fix it by hand (\"last\": the highest number this device ever sent)", ex);
        }
    }

    private void WriteCounter(uint last)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("type", CounterType);
            writer.WriteString("sender", SenderId);
            writer.WriteNumber("last", last);
            writer.WriteEndObject();
        }

        WriteAtomically(_counterPath, buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    /// <summary>The current context in the state file: number and time in clear, the patient reference encrypted under the state key.</summary>
    private void WriteContext(Utf8JsonWriter writer, ContextState context)
    {
        (byte[] nonce, byte[] sealedPatient) = SealAtRest(context.PatientRef.Span, ContextAssociatedData(context.Number));
        writer.WriteStartObject("context");
        writer.WriteNumber("number", context.Number);
        writer.WriteNumber("sinceMs", context.SinceMs);
        writer.WriteBase64String("nonce", nonce);
        writer.WriteBase64String("patient", sealedPatient);
        writer.WriteEndObject();
    }

    private ContextState OpenContext(JsonElement element)
    {
        uint number = element.GetProperty("number").GetUInt32();
        byte[] patient = OpenAtRest(element.GetProperty("nonce").GetBytesFromBase64(), element.GetProperty("patient").GetBytesFromBase64(), ContextAssociatedData(number), "patient context");
        return new ContextState(number, ByteString.CopyFrom(patient), element.GetProperty("sinceMs").GetUInt64());
    }

    /// <summary>AES-256-GCM under the state key with a random nonce: (nonce, ciphertext || tag).</summary>
    private (byte[] Nonce, byte[] Sealed) SealAtRest(ReadOnlySpan<byte> plain, byte[] associatedData)
    {
        byte[] nonce = RandomNumberGenerator.GetBytes(12);
        byte[] sealedBytes = new byte[plain.Length + 16];
        using var aead = new AesGcm(_stateKey, 16);
        aead.Encrypt(nonce, plain, sealedBytes.AsSpan(0, plain.Length), sealedBytes.AsSpan(plain.Length), associatedData);
        return (nonce, sealedBytes);
    }

    /// <summary>The plaintext of <see cref="SealAtRest"/> (the caller erases it); a truncated or altered field is <see cref="KeyErrorKind.Malformed"/>.</summary>
    private byte[] OpenAtRest(byte[] nonce, byte[] sealedBytes, byte[] associatedData, string what)
    {
        if (nonce.Length != 12 || sealedBytes.Length < 16)
        {
            throw new KeyException(KeyErrorKind.Malformed, $"{_statePath}: the sealed {what} is truncated");
        }

        byte[] plain = new byte[sealedBytes.Length - 16];
        try
        {
            using var aead = new AesGcm(_stateKey, 16);
            aead.Decrypt(nonce, sealedBytes.AsSpan(0, plain.Length), sealedBytes.AsSpan(plain.Length), plain, associatedData);
            return plain;
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new KeyException(KeyErrorKind.Malformed, $"{_statePath}: the {what} does not decrypt with this identity's key (altered, or another identity's)", ex);
        }
    }

    private byte[] StateAssociatedData(uint epoch) => AssociatedData(StateType, epoch);

    private byte[] ContextAssociatedData(uint number) => AssociatedData(ContextType, number);

    /// <summary>label, u16be(len(sender)), sender, u32be(number): binds an encrypted field to its kind, this sender and its epoch or context number.</summary>
    private byte[] AssociatedData(string label, uint number)
    {
        byte[] sender = Encoding.UTF8.GetBytes(SenderId);
        byte[] ad = new byte[label.Length + 2 + sender.Length + 4];
        Encoding.ASCII.GetBytes(label, ad);
        BinaryPrimitives.WriteUInt16BigEndian(ad.AsSpan(label.Length), (ushort)sender.Length);
        sender.CopyTo(ad, label.Length + 2);
        BinaryPrimitives.WriteUInt32BigEndian(ad.AsSpan(ad.Length - 4), number);
        return ad;
    }

    /// <summary>
    /// The at-rest key of the state file: HKDF-SHA256 of the identity's ECDH agreement with its own public key
    /// (d·d·G, which only the private key's holder computes), info "mqtthealth/v1/sender-state".
    /// </summary>
    private static byte[] DeriveStateKey(KeyIdentity identity)
    {
        using ECDiffieHellmanPublicKey publicKey = identity.AgreementKey.PublicKey;
        byte[] shared = identity.AgreementKey.DeriveRawSecretAgreement(publicKey);
        try
        {
            return HKDF.DeriveKey(HashAlgorithmName.SHA256, shared, 32, salt: null, info: Encoding.ASCII.GetBytes(StateType));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
        }
    }

    private sealed record ContextState(uint Number, ByteString PatientRef, ulong SinceMs);

    private sealed record Epoch(uint Number, DateTimeOffset Expires, ulong MaxMessages, ulong Messages, HashSet<string> Recipients, byte[] Announcement, bool Announced);
}
