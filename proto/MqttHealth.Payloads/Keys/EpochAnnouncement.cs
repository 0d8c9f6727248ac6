using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace MqttHealth.Payloads.Keys;

/// <summary>
/// The signed announcement of a sender's epoch: the epoch secret wrapped for each authorised recipient, published as a
/// retained message at <c>mh/v1/{facility}/{unit}/{device}/keys</c>. On the wire it is a UTF-8 JSON object (see
/// docs/keys.md); the signature covers a fixed binary encoding of its fields (<see cref="ToBeSigned"/>), so no JSON
/// canonicalisation is needed to verify it.
/// </summary>
public sealed class EpochAnnouncement
{
    /// <summary>The value of the JSON member <c>type</c>, and the label that starts the signed bytes.</summary>
    public const string TypeLabel = "mqtthealth/v1/epoch-announcement";

    public const int Version = 1;

    /// <summary>Largest announcement accepted (bytes of JSON): room for about 1,000 recipients.</summary>
    public const int MaximumJsonBytes = 256 * 1024;

    public const int MaximumRecipients = 1000;

    private const string TimeFormat = "yyyy-MM-ddTHH:mm:ssZ";

    private static readonly string[] TopMembers = ["type", "version", "sender", "epoch", "created", "expires", "maxMessages", "senderCertificate", "recipients", "signature"];
    private static readonly string[] RecipientMembers = ["keyId", "ephemeralKey", "nonce", "wrappedSecret"];

    public EpochAnnouncement(string senderId, uint epoch, DateTimeOffset created, DateTimeOffset expires, ulong maxMessages, byte[] senderCertificate, IReadOnlyList<WrappedEpochSecret> recipients, byte[] signature)
    {
        SenderId = senderId;
        Epoch = epoch;
        Created = created;
        Expires = expires;
        MaxMessages = maxMessages;
        SenderCertificate = senderCertificate;
        Recipients = recipients;
        Signature = signature;
    }

    /// <summary>The sender's principal name (its certificate's CN).</summary>
    public string SenderId { get; }

    public uint Epoch { get; }

    public DateTimeOffset Created { get; }

    /// <summary>When the sender stops sealing under this epoch (it rotates before).</summary>
    public DateTimeOffset Expires { get; }

    /// <summary>How many messages the sender seals under this epoch at most.</summary>
    public ulong MaxMessages { get; }

    /// <summary>The sender's certificate (DER).</summary>
    public byte[] SenderCertificate { get; }

    /// <summary>The wrapped secrets, ordered by key id.</summary>
    public IReadOnlyList<WrappedEpochSecret> Recipients { get; }

    /// <summary>ECDSA P-256 / SHA-256 over <see cref="ToBeSigned"/>, as r || s (64 bytes).</summary>
    public byte[] Signature { get; }

    /// <summary>
    /// Creates and signs the announcement of epoch <paramref name="epoch"/> of <paramref name="sender"/>, wrapping
    /// <paramref name="secret"/> for each of <paramref name="recipients"/>. Each recipient certificate must be valid at
    /// <paramref name="created"/> under <paramref name="trust"/> (issued by the CA, not expired, not revoked) and of a
    /// role that may receive (not the broker); a certificate listed twice is wrapped once.
    /// </summary>
    public static EpochAnnouncement Create(KeyIdentity sender, uint epoch, ReadOnlySpan<byte> secret, IEnumerable<X509Certificate2> recipients, FacilityTrust trust, DateTimeOffset created, DateTimeOffset expires, ulong maxMessages)
    {
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(recipients);
        ArgumentNullException.ThrowIfNull(trust);
        if (!KeyRoles.MaySend(sender.Role))
        {
            throw new KeyException(KeyErrorKind.WrongUsage, $"'{sender.Name}' is a {KeyRoles.ToName(sender.Role)}: only devices and gateways send epoch announcements");
        }

        if (epoch == 0)
        {
            throw new KeyException(KeyErrorKind.InvalidState, "epoch numbers start at 1");
        }

        if (expires <= created || maxMessages == 0)
        {
            throw new KeyException(KeyErrorKind.InvalidState, "an epoch must expire after it is created and allow at least one message");
        }

        var entries = new SortedDictionary<string, WrappedEpochSecret>(StringComparer.Ordinal);
        foreach (X509Certificate2 recipient in recipients)
        {
            CertificateFacts facts = CertificateFacts.Read(recipient);
            if (!KeyRoles.MayReceive(facts.Role))
            {
                throw new KeyException(KeyErrorKind.WrongUsage, $"recipient '{facts.Name}' is a {KeyRoles.ToName(facts.Role)}: the broker only routes ciphertext and never receives epoch secrets");
            }

            trust.Validate(recipient, created, "recipient certificate");
            if (!entries.ContainsKey(facts.KeyId))
            {
                entries.Add(facts.KeyId, EpochKeyWrap.Wrap(sender.Name, epoch, secret, recipient));
            }
        }

        if (entries.Count == 0)
        {
            throw new KeyException(KeyErrorKind.InvalidState, "an epoch announcement needs at least one recipient");
        }

        if (entries.Count > MaximumRecipients)
        {
            throw new KeyException(KeyErrorKind.InvalidState, $"at most {MaximumRecipients} recipients per announcement");
        }

        created = TruncateToSeconds(created);
        expires = TruncateToSeconds(expires);
        var unsigned = new EpochAnnouncement(sender.Name, epoch, created, expires, maxMessages, sender.Certificate.RawData, [.. entries.Values], []);
        byte[] signature = sender.SigningKey.SignData(unsigned.ToBeSigned(), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return new EpochAnnouncement(sender.Name, epoch, created, expires, maxMessages, unsigned.SenderCertificate, unsigned.Recipients, signature);
    }

    /// <summary>
    /// The signed bytes (integers big-endian): "mqtthealth/v1/epoch-announcement" (ASCII) || 0x00 || u8 version (1) ||
    /// u16 len(sender) || sender (UTF-8) || u32 epoch || i64 created || i64 expires (Unix seconds) || u64 maxMessages ||
    /// u32 len(certificate) || certificate (DER) || u16 count || count × (key id 8 || ephemeral key 65 || nonce 12 ||
    /// wrapped secret 48).
    /// </summary>
    public byte[] ToBeSigned()
    {
        byte[] sender = Encoding.UTF8.GetBytes(SenderId);
        int length = TypeLabel.Length + 1 + 1 + 2 + sender.Length + 4 + 8 + 8 + 8 + 4 + SenderCertificate.Length + 2 + (Recipients.Count * WrappedEpochSecret.EncodedLength);
        byte[] tbs = new byte[length];
        Span<byte> span = tbs;
        int at = Encoding.ASCII.GetBytes(TypeLabel, span);
        span[at++] = 0;
        span[at++] = Version;
        BinaryPrimitives.WriteUInt16BigEndian(span[at..], checked((ushort)sender.Length));
        at += 2;
        sender.CopyTo(span[at..]);
        at += sender.Length;
        BinaryPrimitives.WriteUInt32BigEndian(span[at..], Epoch);
        at += 4;
        BinaryPrimitives.WriteInt64BigEndian(span[at..], Created.ToUnixTimeSeconds());
        at += 8;
        BinaryPrimitives.WriteInt64BigEndian(span[at..], Expires.ToUnixTimeSeconds());
        at += 8;
        BinaryPrimitives.WriteUInt64BigEndian(span[at..], MaxMessages);
        at += 8;
        BinaryPrimitives.WriteUInt32BigEndian(span[at..], (uint)SenderCertificate.Length);
        at += 4;
        SenderCertificate.CopyTo(span[at..]);
        at += SenderCertificate.Length;
        BinaryPrimitives.WriteUInt16BigEndian(span[at..], checked((ushort)Recipients.Count));
        at += 2;
        foreach (WrappedEpochSecret entry in Recipients)
        {
            Convert.FromHexString(entry.KeyId).CopyTo(span[at..]);
            at += KeyIds.Length;
            entry.EphemeralPublicKey.CopyTo(span[at..]);
            at += WrappedEpochSecret.EphemeralPublicKeyLength;
            entry.Nonce.CopyTo(span[at..]);
            at += WrappedEpochSecret.NonceLength;
            entry.WrappedSecret.CopyTo(span[at..]);
            at += WrappedEpochSecret.WrappedSecretLength;
        }

        return tbs;
    }

    /// <summary>The announcement as UTF-8 JSON (indented, members in the documented order).</summary>
    public byte[] ToJson()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("type", TypeLabel);
            writer.WriteNumber("version", Version);
            writer.WriteString("sender", SenderId);
            writer.WriteNumber("epoch", Epoch);
            writer.WriteString("created", Created.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture));
            writer.WriteString("expires", Expires.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture));
            writer.WriteNumber("maxMessages", MaxMessages);
            writer.WriteString("senderCertificate", Convert.ToBase64String(SenderCertificate));
            writer.WriteStartArray("recipients");
            foreach (WrappedEpochSecret entry in Recipients)
            {
                writer.WriteStartObject();
                writer.WriteString("keyId", entry.KeyId);
                writer.WriteString("ephemeralKey", Convert.ToBase64String(entry.EphemeralPublicKey));
                writer.WriteString("nonce", Convert.ToBase64String(entry.Nonce));
                writer.WriteString("wrappedSecret", Convert.ToBase64String(entry.WrappedSecret));
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteString("signature", Convert.ToBase64String(Signature));
            writer.WriteEndObject();
        }

        return stream.ToArray();
    }

    /// <summary>
    /// Parses the JSON of an announcement, strictly: every member present once with its type and length, no other
    /// member, times as <c>yyyy-MM-ddTHH:mm:ssZ</c>, base64 with padding, key ids as 16 lower-case hex digits in
    /// ascending order. Does not verify the signature (<see cref="Verify"/> does). Throws
    /// <see cref="KeyException"/> (<see cref="KeyErrorKind.Malformed"/>).
    /// </summary>
    public static EpochAnnouncement Parse(ReadOnlySpan<byte> json)
    {
        if (json.Length > MaximumJsonBytes)
        {
            throw Malformed($"larger than {MaximumJsonBytes} bytes");
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 4 });
            JsonElement root = document.RootElement;
            Dictionary<string, JsonElement> members = Members(root, TopMembers, "the announcement");
            if (String(members["type"], "type") != TypeLabel)
            {
                throw Malformed($"'type' is not '{TypeLabel}'");
            }

            if (members["version"].ValueKind != JsonValueKind.Number || !members["version"].TryGetInt32(out int version) || version != Version)
            {
                throw Malformed($"'version' is not {Version}");
            }

            string sender = String(members["sender"], "sender");
            if (Encoding.UTF8.GetByteCount(sender) is 0 or > 256)
            {
                throw Malformed("'sender' is empty or longer than 256 bytes");
            }

            if (members["epoch"].ValueKind != JsonValueKind.Number || !members["epoch"].TryGetUInt32(out uint epoch) || epoch == 0)
            {
                throw Malformed("'epoch' is not an integer from 1 to 4294967295");
            }

            if (members["maxMessages"].ValueKind != JsonValueKind.Number || !members["maxMessages"].TryGetUInt64(out ulong maxMessages) || maxMessages == 0)
            {
                throw Malformed("'maxMessages' is not a positive integer");
            }

            DateTimeOffset created = Time(members["created"], "created");
            DateTimeOffset expires = Time(members["expires"], "expires");
            byte[] certificate = Base64(members["senderCertificate"], "senderCertificate", expectedLength: null);
            if (members["recipients"].ValueKind != JsonValueKind.Array)
            {
                throw Malformed("'recipients' is not an array");
            }

            var recipients = new List<WrappedEpochSecret>();
            string? previous = null;
            foreach (JsonElement item in members["recipients"].EnumerateArray())
            {
                if (recipients.Count == MaximumRecipients)
                {
                    throw Malformed($"more than {MaximumRecipients} recipients");
                }

                string where = $"recipients[{recipients.Count}]";
                Dictionary<string, JsonElement> entry = Members(item, RecipientMembers, where);
                string keyId = String(entry["keyId"], $"{where}.keyId");
                if (keyId.Length != 2 * KeyIds.Length || !keyId.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f'))
                {
                    throw Malformed($"'{where}.keyId' is not 16 lower-case hex digits");
                }

                if (previous is not null && string.CompareOrdinal(previous, keyId) >= 0)
                {
                    throw Malformed($"'{where}.keyId' is not in ascending order (or listed twice)");
                }

                previous = keyId;
                recipients.Add(new WrappedEpochSecret(
                    keyId,
                    Base64(entry["ephemeralKey"], $"{where}.ephemeralKey", WrappedEpochSecret.EphemeralPublicKeyLength),
                    Base64(entry["nonce"], $"{where}.nonce", WrappedEpochSecret.NonceLength),
                    Base64(entry["wrappedSecret"], $"{where}.wrappedSecret", WrappedEpochSecret.WrappedSecretLength)));
            }

            if (recipients.Count == 0)
            {
                throw Malformed("'recipients' is empty");
            }

            byte[] signature = Base64(members["signature"], "signature", 64);
            return new EpochAnnouncement(sender, epoch, created, expires, maxMessages, certificate, recipients, signature);
        }
        catch (JsonException ex)
        {
            throw new KeyException(KeyErrorKind.Malformed, $"epoch announcement: not valid JSON ({ex.Message})", ex);
        }
    }

    /// <summary>
    /// Parses and verifies an announcement: the sender's certificate chains to the facility CA, is valid at
    /// <paramref name="time"/>'s now and not revoked, is a device's or gateway's, and its CN is the sender id; the
    /// signature verifies over the signed bytes. Throws <see cref="KeyException"/> naming the failed check.
    /// </summary>
    public static EpochAnnouncement Verify(ReadOnlySpan<byte> json, FacilityTrust trust, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(trust);
        EpochAnnouncement announcement = Parse(json);
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadCertificate(announcement.SenderCertificate);
        }
        catch (CryptographicException ex)
        {
            throw new KeyException(KeyErrorKind.Malformed, $"epoch announcement of '{announcement.SenderId}': 'senderCertificate' does not parse", ex);
        }

        using (certificate)
        {
            CertificateFacts facts = CertificateFacts.Read(certificate);
            trust.Validate(certificate, (time ?? TimeProvider.System).GetUtcNow(), $"epoch announcement of '{announcement.SenderId}': sender certificate");
            if (!string.Equals(facts.Name, announcement.SenderId, StringComparison.Ordinal))
            {
                throw new KeyException(KeyErrorKind.WrongUsage, $"epoch announcement of '{announcement.SenderId}': the sender certificate is '{facts.Name}''s");
            }

            if (!KeyRoles.MaySend(facts.Role))
            {
                throw new KeyException(KeyErrorKind.WrongUsage, $"epoch announcement of '{announcement.SenderId}': the sender certificate is a {KeyRoles.ToName(facts.Role)}'s; only devices and gateways send");
            }

            using ECDsa key = certificate.GetECDsaPublicKey()!;
            if (!key.VerifyData(announcement.ToBeSigned(), announcement.Signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
            {
                throw new KeyException(KeyErrorKind.BadSignature, $"epoch announcement of '{announcement.SenderId}' epoch {announcement.Epoch}: the signature does not verify (altered, or not signed by the sender)");
            }
        }

        return announcement;
    }

    /// <summary>
    /// What a recipient does with a retained announcement: <see cref="Verify"/> it, find its own entry by key id and
    /// unwrap the secret. Throws <see cref="KeyException"/>; <see cref="KeyErrorKind.NotARecipient"/> when the
    /// announcement has no entry for <paramref name="recipient"/>. The result goes to the envelope's receiver
    /// (e.g. <c>SenderKeyStore.AddEpoch(senderId, epoch, secret)</c>).
    /// </summary>
    public static ReceivedEpoch Open(ReadOnlySpan<byte> json, KeyIdentity recipient, FacilityTrust trust, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        EpochAnnouncement announcement = Verify(json, trust, time);
        WrappedEpochSecret? mine = announcement.Recipients.FirstOrDefault(r => string.Equals(r.KeyId, recipient.KeyId, StringComparison.Ordinal))
            ?? throw new KeyException(KeyErrorKind.NotARecipient, $"epoch {announcement.Epoch} of '{announcement.SenderId}' is not wrapped for '{recipient.Name}' (key {recipient.KeyId})");
        byte[] secret = EpochKeyWrap.Unwrap(announcement.SenderId, announcement.Epoch, mine, recipient);
        return new ReceivedEpoch(announcement.SenderId, announcement.Epoch, announcement.Created, announcement.Expires, announcement.MaxMessages, secret);
    }

    private static Dictionary<string, JsonElement> Members(JsonElement element, string[] names, string where)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Malformed($"{where} is not a JSON object");
        }

        var members = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (JsonProperty property in element.EnumerateObject())
        {
            if (!names.Contains(property.Name, StringComparer.Ordinal))
            {
                throw Malformed($"{where} has an unknown member '{property.Name}'");
            }

            if (!members.TryAdd(property.Name, property.Value))
            {
                throw Malformed($"{where} has the member '{property.Name}' twice");
            }
        }

        foreach (string name in names)
        {
            if (!members.ContainsKey(name))
            {
                throw Malformed($"{where} lacks the member '{name}'");
            }
        }

        return members;
    }

    private static string String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.String ? element.GetString()! : throw Malformed($"'{name}' is not a string");

    private static DateTimeOffset Time(JsonElement element, string name)
    {
        string text = String(element, name);
        if (!DateTime.TryParseExact(text, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out DateTime parsed))
        {
            throw Malformed($"'{name}' is not a UTC time of the form 2026-11-21T10:00:00Z");
        }

        return new DateTimeOffset(parsed, TimeSpan.Zero);
    }

    private static byte[] Base64(JsonElement element, string name, int? expectedLength)
    {
        string text = String(element, name);
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(text);
        }
        catch (FormatException ex)
        {
            throw new KeyException(KeyErrorKind.Malformed, $"epoch announcement: '{name}' is not base64", ex);
        }

        // One encoding per value: refuse white space and other forms FromBase64String tolerates.
        if (!string.Equals(Convert.ToBase64String(bytes), text, StringComparison.Ordinal))
        {
            throw Malformed($"'{name}' is not canonical base64 (RFC 4648 §4, padded, no white space)");
        }

        if (expectedLength is { } length ? bytes.Length != length : bytes.Length == 0)
        {
            throw Malformed($"'{name}' has {bytes.Length} bytes, expected {expectedLength?.ToString(CultureInfo.InvariantCulture) ?? "some"}");
        }

        return bytes;
    }

    private static KeyException Malformed(string what) => new(KeyErrorKind.Malformed, $"epoch announcement: {what}");

    private static DateTimeOffset TruncateToSeconds(DateTimeOffset value) =>
        DateTimeOffset.FromUnixTimeSeconds(value.ToUnixTimeSeconds());
}

/// <summary>
/// An epoch secret a recipient unwrapped: what the envelope's receiver needs, (sender id, epoch, secret), and the
/// sender's declared limits. <see cref="Dispose"/> zeroes the secret.
/// </summary>
public sealed class ReceivedEpoch : IDisposable
{
    private readonly byte[] _secret;

    internal ReceivedEpoch(string senderId, uint epoch, DateTimeOffset created, DateTimeOffset expires, ulong maxMessages, byte[] secret)
    {
        SenderId = senderId;
        Epoch = epoch;
        Created = created;
        Expires = expires;
        MaxMessages = maxMessages;
        _secret = secret;
    }

    public string SenderId { get; }

    public uint Epoch { get; }

    public DateTimeOffset Created { get; }

    public DateTimeOffset Expires { get; }

    public ulong MaxMessages { get; }

    /// <summary>The 32-byte epoch secret.</summary>
    public ReadOnlySpan<byte> Secret => _secret;

    public void Dispose() => CryptographicOperations.ZeroMemory(_secret);
}
