using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using MqttHealth.Payloads.Keys;
using static MqttHealth.Payloads.Tests.Keys.KeyTestSupport;

namespace MqttHealth.Payloads.Tests.Keys;

public sealed class EpochAnnouncementTests : IDisposable
{
    private readonly ManualTime _time = new(Start);
    private readonly FacilityCa _ca;
    private readonly FacilityTrust _trust;
    private readonly KeyIdentity _sender;
    private readonly KeyIdentity _central1;
    private readonly KeyIdentity _central2;
    private readonly KeyIdentity _outsider;
    private readonly byte[] _secret = RandomNumberGenerator.GetBytes(32);

    public EpochAnnouncementTests()
    {
        _ca = NewCa(_time);
        _trust = new FacilityTrust(_ca.Certificate);
        _sender = Identity(_ca, KeyRole.Device, "mon-42", _time);
        _central1 = Identity(_ca, KeyRole.Consumer, "central-1", _time);
        _central2 = Identity(_ca, KeyRole.Consumer, "central-2", _time);
        _outsider = Identity(_ca, KeyRole.Consumer, "central-3", _time);
    }

    public void Dispose()
    {
        _sender.Dispose();
        _central1.Dispose();
        _central2.Dispose();
        _outsider.Dispose();
        _ca.Dispose();
    }

    private byte[] Announce(uint epoch = 7) =>
        EpochAnnouncement.Create(_sender, epoch, _secret, [_central1.Certificate, _central2.Certificate], _trust, Start, Start.AddHours(24), 1_000_000).ToJson();

    [Fact]
    public void Open_ListedRecipients_EachGetTheSenderIdEpochAndSecret()
    {
        byte[] json = Announce();

        foreach (KeyIdentity recipient in new[] { _central1, _central2 })
        {
            using ReceivedEpoch received = EpochAnnouncement.Open(json, recipient, _trust, _time);
            Assert.Equal("mon-42", received.SenderId);
            Assert.Equal(7u, received.Epoch);
            Assert.Equal(_secret, received.Secret.ToArray());
            Assert.Equal(Start.AddHours(24), received.Expires);
            Assert.Equal(1_000_000ul, received.MaxMessages);
        }
    }

    [Fact]
    public void Open_RecipientNotListed_RefusedAsNotARecipient()
    {
        byte[] json = Announce();

        KeyException ex = Assert.Throws<KeyException>(() => EpochAnnouncement.Open(json, _outsider, _trust, _time));
        Assert.Equal(KeyErrorKind.NotARecipient, ex.Kind);
    }

    [Fact]
    public void Json_ParseOfToJson_SignsTheSameBytes()
    {
        EpochAnnouncement created = EpochAnnouncement.Create(_sender, 3, _secret, [_central1.Certificate], _trust, Start, Start.AddHours(1), 10);

        EpochAnnouncement parsed = EpochAnnouncement.Parse(created.ToJson());

        Assert.Equal(created.ToBeSigned(), parsed.ToBeSigned());
        Assert.Equal(created.Signature, parsed.Signature);
        Assert.StartsWith("mqtthealth/v1/epoch-announcement\0\u0001", Encoding.Latin1.GetString(parsed.ToBeSigned()), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("epoch", KeyErrorKind.BadSignature)]
    [InlineData("created", KeyErrorKind.BadSignature)]
    [InlineData("expires", KeyErrorKind.BadSignature)]
    [InlineData("maxMessages", KeyErrorKind.BadSignature)]
    [InlineData("sender", KeyErrorKind.WrongUsage)]
    [InlineData("senderCertificate", KeyErrorKind.BadSignature)]
    [InlineData("recipients.keyId", KeyErrorKind.BadSignature)]
    [InlineData("recipients.ephemeralKey", KeyErrorKind.BadSignature)]
    [InlineData("recipients.nonce", KeyErrorKind.BadSignature)]
    [InlineData("recipients.wrappedSecret", KeyErrorKind.BadSignature)]
    [InlineData("recipients.removed", KeyErrorKind.BadSignature)]
    [InlineData("signature", KeyErrorKind.BadSignature)]
    [InlineData("type", KeyErrorKind.Malformed)]
    [InlineData("extra member", KeyErrorKind.Malformed)]
    public void Open_TamperedAnnouncement_Refused(string field, KeyErrorKind expected)
    {
        JsonObject root = JsonNode.Parse(Announce())!.AsObject();
        JsonObject first = root["recipients"]!.AsArray()[0]!.AsObject();
        switch (field)
        {
            case "epoch":
                root["epoch"] = 8;
                break;
            case "created":
                root["created"] = "2026-11-21T10:00:01Z";
                break;
            case "expires":
                root["expires"] = "2026-11-23T10:00:00Z";
                break;
            case "maxMessages":
                root["maxMessages"] = 1_000_001;
                break;
            case "sender":
                root["sender"] = "mon-43";
                break;
            case "senderCertificate":
                // Another certificate of the same CA for the same name: genuine, but not the key that signed.
                using (KeyIdentity twin = Identity(_ca, KeyRole.Device, "mon-42", _time))
                {
                    root["senderCertificate"] = Convert.ToBase64String(twin.Certificate.RawData);
                }

                break;
            case "recipients.keyId":
                // Claim the first entry is the outsider's; kept in ascending order by rebuilding the array.
                first["keyId"] = "0000000000000000";
                break;
            case "recipients.ephemeralKey":
                using (var other = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256))
                {
                    ECParameters p = other.ExportParameters(false);
                    first["ephemeralKey"] = Convert.ToBase64String([0x04, .. p.Q.X!, .. p.Q.Y!]);
                }

                break;
            case "recipients.nonce":
                first["nonce"] = FlipFirstBit(first["nonce"]!.GetValue<string>());
                break;
            case "recipients.wrappedSecret":
                first["wrappedSecret"] = FlipFirstBit(first["wrappedSecret"]!.GetValue<string>());
                break;
            case "recipients.removed":
                root["recipients"]!.AsArray().RemoveAt(1);
                break;
            case "signature":
                root["signature"] = FlipFirstBit(root["signature"]!.GetValue<string>());
                break;
            case "type":
                root["type"] = "mqtthealth/v2/epoch-announcement";
                break;
            case "extra member":
                root["note"] = "hello";
                break;
        }

        byte[] tampered = Encoding.UTF8.GetBytes(root.ToJsonString());

        KeyException ex = Assert.Throws<KeyException>(() => EpochAnnouncement.Open(tampered, _central1, _trust, _time));
        Assert.Equal(expected, ex.Kind);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("type is a number")]
    [InlineData("member twice")]
    [InlineData("member missing")]
    [InlineData("base64 with a line break")]
    [InlineData("key ids out of order")]
    [InlineData("epoch zero")]
    [InlineData("time with an offset")]
    public void Parse_MalformedAnnouncement_RefusedAsMalformed(string defect)
    {
        string json = Encoding.UTF8.GetString(Announce());
        JsonObject root = JsonNode.Parse(json)!.AsObject();
        string text = defect switch
        {
            "not json" => "{\"type\": ",
            "[]" => "[]",
            "type is a number" => Replace(root, "type", 1),
            "member twice" => json.Replace("\"version\": 1,", "\"version\": 1, \"version\": 1,", StringComparison.Ordinal),
            "member missing" => Remove(root, "maxMessages"),
            "base64 with a line break" => Replace(root, "signature", root["signature"]!.GetValue<string>().Insert(10, "\n")),
            "key ids out of order" => Reverse(root),
            "epoch zero" => Replace(root, "epoch", 0),
            "time with an offset" => Replace(root, "created", "2026-11-21T11:00:00+01:00"),
            _ => throw new ArgumentOutOfRangeException(nameof(defect)),
        };

        KeyException ex = Assert.Throws<KeyException>(() => EpochAnnouncement.Parse(Encoding.UTF8.GetBytes(text)));
        Assert.Equal(KeyErrorKind.Malformed, ex.Kind);

        static string Replace(JsonObject root, string name, JsonNode? value)
        {
            root[name] = value;
            return root.ToJsonString();
        }

        static string Remove(JsonObject root, string name)
        {
            root.Remove(name);
            return root.ToJsonString();
        }

        static string Reverse(JsonObject root)
        {
            JsonArray recipients = root["recipients"]!.AsArray();
            JsonNode first = recipients[0]!;
            recipients.RemoveAt(0);
            recipients.Add(first);
            return root.ToJsonString();
        }
    }

    [Fact]
    public void Open_UntamperedJsonReserialised_StillOpens()
    {
        // The control for the tampering cases: re-serialising without a change is not a tamper.
        byte[] reserialised = Encoding.UTF8.GetBytes(JsonNode.Parse(Announce())!.ToJsonString());

        using ReceivedEpoch received = EpochAnnouncement.Open(reserialised, _central1, _trust, _time);
        Assert.Equal(_secret, received.Secret.ToArray());
    }

    [Fact]
    public void Open_SenderCertificateFromAnotherCa_RefusedAsNotIssuedByCa()
    {
        using FacilityCa rogue = NewCa(_time);
        using KeyIdentity impostor = Identity(rogue, KeyRole.Device, "mon-42", _time);
        // The rogue CA's own trust lets the impostor wrap for our recipients; ours must refuse its announcement.
        byte[] json = EpochAnnouncement.Create(impostor, 7, _secret, [_central1.Certificate], new FacilityTrust(_ca.Certificate), Start, Start.AddHours(1), 10).ToJson();

        KeyException ex = Assert.Throws<KeyException>(() => EpochAnnouncement.Open(json, _central1, _trust, _time));
        Assert.Equal(KeyErrorKind.NotIssuedByCa, ex.Kind);
    }

    [Fact]
    public void Open_SenderCertificateExpired_RefusedAsExpired()
    {
        byte[] json = Announce();
        _time.Advance(TimeSpan.FromDays(366));

        Assert.Equal(KeyErrorKind.Expired, Assert.Throws<KeyException>(() => EpochAnnouncement.Open(json, _central1, _trust, _time)).Kind);
    }

    [Fact]
    public void Create_ConsumerAsSender_Refused()
    {
        KeyException ex = Assert.Throws<KeyException>(() => EpochAnnouncement.Create(_central1, 1, _secret, [_central2.Certificate], _trust, Start, Start.AddHours(1), 10));
        Assert.Equal(KeyErrorKind.WrongUsage, ex.Kind);
    }

    [Fact]
    public void Create_BrokerAsRecipient_Refused()
    {
        using KeyIdentity broker = Identity(_ca, KeyRole.Broker, "broker", _time, unit: null);

        KeyException ex = Assert.Throws<KeyException>(() => EpochAnnouncement.Create(_sender, 1, _secret, [broker.Certificate], _trust, Start, Start.AddHours(1), 10));
        Assert.Equal(KeyErrorKind.WrongUsage, ex.Kind);
    }

    [Fact]
    public void Create_RecipientFromAnotherCa_RefusedAsNotIssuedByCa()
    {
        using FacilityCa rogue = NewCa(_time);
        using KeyIdentity stranger = Identity(rogue, KeyRole.Consumer, "central-9", _time);

        Assert.Equal(KeyErrorKind.NotIssuedByCa, Assert.Throws<KeyException>(() => EpochAnnouncement.Create(_sender, 1, _secret, [stranger.Certificate], _trust, Start, Start.AddHours(1), 10)).Kind);
    }

    [Fact]
    public void Unwrap_UnderAnotherEpochOrSender_RefusedAsUnwrapFailed()
    {
        WrappedEpochSecret entry = EpochKeyWrap.Wrap("mon-42", 7, _secret, _central1.Certificate);

        Assert.Equal(_secret, EpochKeyWrap.Unwrap("mon-42", 7, entry, _central1));
        Assert.Equal(KeyErrorKind.UnwrapFailed, Assert.Throws<KeyException>(() => EpochKeyWrap.Unwrap("mon-42", 8, entry, _central1)).Kind);
        Assert.Equal(KeyErrorKind.UnwrapFailed, Assert.Throws<KeyException>(() => EpochKeyWrap.Unwrap("mon-43", 7, entry, _central1)).Kind);
    }

    [Fact]
    public void Unwrap_EntryRelabelledForAnotherRecipient_RefusedAsUnwrapFailed()
    {
        WrappedEpochSecret entry = EpochKeyWrap.Wrap("mon-42", 7, _secret, _central1.Certificate);

        WrappedEpochSecret relabelled = entry with { KeyId = _central2.KeyId };

        Assert.Equal(KeyErrorKind.UnwrapFailed, Assert.Throws<KeyException>(() => EpochKeyWrap.Unwrap("mon-42", 7, relabelled, _central2)).Kind);
    }

    [Fact]
    public void Wrap_TwoRecipients_UseDistinctEphemeralKeysAndNonces()
    {
        EpochAnnouncement announcement = EpochAnnouncement.Parse(Announce());

        Assert.Equal(2, announcement.Recipients.Count);
        Assert.NotEqual(announcement.Recipients[0].EphemeralPublicKey, announcement.Recipients[1].EphemeralPublicKey);
        Assert.NotEqual(announcement.Recipients[0].Nonce, announcement.Recipients[1].Nonce);
        Assert.Equal(new[] { _central1.KeyId, _central2.KeyId }.Order(StringComparer.Ordinal), announcement.Recipients.Select(r => r.KeyId));
    }

    [Fact]
    public void KeyId_IsFirstEightBytesOfSha256OfSpkiInHex()
    {
        byte[] spki = _central1.Certificate.PublicKey.ExportSubjectPublicKeyInfo();

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(spki).AsSpan(0, 8)), _central1.KeyId);
    }

    private static string FlipFirstBit(string base64)
    {
        byte[] bytes = Convert.FromBase64String(base64);
        bytes[0] ^= 0x01;
        return Convert.ToBase64String(bytes);
    }
}
