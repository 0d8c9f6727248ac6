using System.Text;
using System.Text.Json;
using Google.Protobuf;
using MqttHealth.Payloads.Clinical.V1;
using MqttHealth.Payloads.Keys;
using MqttHealth.Payloads.Schema;
using MqttHealth.Payloads.Sdk;

namespace MqttHealth.Payloads.Tests.Sdk;

public sealed partial class ClinicalSdkTests : IDisposable
{
    private readonly FacilityCa _ca = FacilityCa.Create("f1", TimeSpan.FromDays(30));
    private readonly KeyIdentity _device;
    private readonly KeyIdentity _consumer;
    private readonly KeyIdentity _outsider;
    private readonly FacilityTrust _trust;
    private readonly string _dir = Directory.CreateTempSubdirectory("sdk-").FullName;

    public ClinicalSdkTests()
    {
        _trust = new FacilityTrust(_ca.Certificate);
        using (IssuedIdentity d = _ca.Issue(KeyRole.Device, "mon-42", "icu-2", TimeSpan.FromDays(10)))
        using (IssuedIdentity c = _ca.Issue(KeyRole.Consumer, "central-1", null, TimeSpan.FromDays(10)))
        using (IssuedIdentity o = _ca.Issue(KeyRole.Consumer, "central-2", null, TimeSpan.FromDays(10)))
        {
            _device = d.ToIdentity();
            _consumer = c.ToIdentity();
            _outsider = o.ToIdentity();
        }
    }

    public void Dispose()
    {
        _device.Dispose();
        _consumer.Dispose();
        _outsider.Dispose();
        _ca.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private ClinicalSender NewSender()
    {
        var sender = new ClinicalSender(_device, _trust, _dir);
        sender.AddRecipient(_consumer.Certificate);
        return sender;
    }

    private static ClinicalPayload Vitals(int heartRate, string marker = "") => ClinicalJson.Parse(
        Encoding.UTF8.GetBytes($$"""{"patient":"0a0b0c","time":"2026-11-21T10:00:00Z","vitals":{"heart_rate":{{heartRate}},"spo2":97,"body_temperature":36.6}{{(marker.Length > 0 ? $",\"extended\":[{{\"loinc\":\"{marker}\",\"ucum\":\"1\",\"value\":1}}]" : "")}}}"""),
        DateTimeOffset.UnixEpoch).Payload;

    [Fact]
    public void SealThenOpen_AfterAnnouncement_GivesThePayloadBack()
    {
        using ClinicalSender sender = NewSender();
        using var receiver = new ClinicalReceiver(_consumer, _trust);
        ClinicalPayload payload = Vitals(72);
        SealedMessage sealedMessage = sender.Seal(payload);
        Assert.Equal("mh/v1/f1/icu-2/mon-42/vitals", sealedMessage.Topic);
        Assert.NotNull(sealedMessage.Announcement);
        AcceptedEpoch epoch = receiver.AcceptAnnouncement(sealedMessage.AnnouncementTopic, sealedMessage.Announcement);
        Assert.Equal(("mon-42", sealedMessage.Epoch), (epoch.SenderId, epoch.Epoch));
        ReceivedMessage received = receiver.Open(sealedMessage.Topic, sealedMessage.Envelope);
        Assert.Equal(payload, received.Payload);
        Assert.False(received.Signed);
    }

    [Fact]
    public void Open_SameEnvelopeTwice_SecondIsDuplicate()
    {
        using ClinicalSender sender = NewSender();
        using var receiver = new ClinicalReceiver(_consumer, _trust);
        SealedMessage m = sender.Seal(Vitals(72));
        receiver.AcceptAnnouncement(m.AnnouncementTopic, m.Announcement!);
        receiver.Open(m.Topic, m.Envelope);
        Assert.Equal(ClinicalError.Duplicate, Assert.Throws<ClinicalException>(() => receiver.Open(m.Topic, m.Envelope)).Error);
    }

    [Fact]
    public void Open_WithoutAnnouncement_UnknownSender()
    {
        using ClinicalSender sender = NewSender();
        using var receiver = new ClinicalReceiver(_consumer, _trust);
        SealedMessage m = sender.Seal(Vitals(72));
        Assert.Equal(ClinicalError.UnknownSender, Assert.Throws<ClinicalException>(() => receiver.Open(m.Topic, m.Envelope)).Error);
    }

    [Fact]
    public void AcceptAnnouncement_ReceiverNotAuthorised_NotARecipient()
    {
        using ClinicalSender sender = NewSender();
        using var outsider = new ClinicalReceiver(_outsider, _trust);
        SealedMessage m = sender.Seal(Vitals(72));
        Assert.Equal(ClinicalError.NotARecipient, Assert.Throws<ClinicalException>(() => outsider.AcceptAnnouncement(m.AnnouncementTopic, m.Announcement!)).Error);
    }

    [Fact]
    public void AcceptAnnouncement_OnAnotherDevicesKeysTopic_BadAnnouncement()
    {
        using ClinicalSender sender = NewSender();
        using var receiver = new ClinicalReceiver(_consumer, _trust);
        SealedMessage m = sender.Seal(Vitals(72));
        Assert.Equal(ClinicalError.BadAnnouncement, Assert.Throws<ClinicalException>(() => receiver.AcceptAnnouncement("mh/v1/f1/icu-2/mon-43/keys", m.Announcement!)).Error);
    }

    [Fact]
    public void Alarm_IsSigned_AndATamperedSignatureIsSignatureInvalid()
    {
        using ClinicalSender sender = NewSender();
        using var receiver = new ClinicalReceiver(_consumer, _trust);
        ClinicalReading alarm = ClinicalJson.Parse("""{"patient":"0a","alarm":{"id":7,"priority":"high","condition":"above_upper_limit","state":"active","vital":"heart_rate","value":150,"upper":120}}"""u8, DateTimeOffset.UnixEpoch);
        SealedMessage m = sender.Seal(alarm.Payload);
        Assert.True(m.Signed);
        Assert.EndsWith("/alarms", m.Topic, StringComparison.Ordinal);
        receiver.AcceptAnnouncement(m.AnnouncementTopic, m.Announcement!);
        byte[] tampered = (byte[])m.Envelope.Clone();
        tampered[^1] ^= 1;
        Assert.Equal(ClinicalError.SignatureInvalid, Assert.Throws<ClinicalException>(() => receiver.Open(m.Topic, tampered)).Error);
        Assert.Equal(alarm.Payload, receiver.Open(m.Topic, m.Envelope).Payload);
    }

    [Fact]
    public void Open_OnAnotherTopic_AuthenticationFailed()
    {
        using ClinicalSender sender = NewSender();
        using var receiver = new ClinicalReceiver(_consumer, _trust);
        SealedMessage m = sender.Seal(Vitals(72));
        receiver.AcceptAnnouncement(m.AnnouncementTopic, m.Announcement!);
        Assert.Equal(ClinicalError.AuthenticationFailed, Assert.Throws<ClinicalException>(() => receiver.Open("mh/v1/f1/icu-2/mon-42/status", m.Envelope)).Error);
    }

    [Fact]
    public void Sender_RestartedWithItsStateFile_ContinuesTheEpochWithTheNextSequence()
    {
        uint epoch;
        SealedMessage first;
        using (ClinicalSender sender = NewSender())
        {
            first = sender.Seal(Vitals(70));
            sender.AnnouncementPublished();
            epoch = first.Epoch;
        }

        using ClinicalSender restarted = NewSender();
        SealedMessage second = restarted.Seal(Vitals(71));
        Assert.Equal((epoch, first.Sequence + 1), (second.Epoch, second.Sequence));
        Assert.Null(second.Announcement);
        using var receiver = new ClinicalReceiver(_consumer, _trust);
        receiver.AcceptAnnouncement(first.AnnouncementTopic, first.Announcement!);
        Assert.Equal(Vitals(70), receiver.Open(first.Topic, first.Envelope).Payload);
        Assert.Equal(Vitals(71), receiver.Open(second.Topic, second.Envelope).Payload);
    }

    [Fact]
    public void Sender_AnnouncementNotConfirmed_IsReturnedAgainAfterRestart()
    {
        using (ClinicalSender sender = NewSender())
        {
            sender.Seal(Vitals(70));
        }

        using ClinicalSender restarted = NewSender();
        Assert.NotNull(restarted.Seal(Vitals(71)).Announcement);
    }

    [Fact]
    public void Sender_RestartedWithAnotherRecipient_StartsANewEpoch()
    {
        uint epoch;
        using (ClinicalSender sender = NewSender())
        {
            epoch = sender.Seal(Vitals(70)).Epoch;
        }

        using ClinicalSender restarted = NewSender();
        restarted.AddRecipient(_outsider.Certificate);
        SealedMessage m = restarted.Seal(Vitals(71));
        Assert.Equal(epoch + 1, m.Epoch);
        Assert.Equal(0u, m.Sequence);
    }

    [Fact]
    public void Sender_StateFileAltered_RefusedAsMalformed()
    {
        using (ClinicalSender sender = NewSender())
        {
            sender.Seal(Vitals(70));
        }

        string path = Path.Combine(_dir, "mon-42.sender.json");
        using (JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(path)))
        {
            byte[] state = doc.RootElement.GetProperty("state").GetBytesFromBase64();
            state[3] ^= 1;
            File.WriteAllText(path, File.ReadAllText(path).Replace(doc.RootElement.GetProperty("state").GetString()!, Convert.ToBase64String(state), StringComparison.Ordinal));
        }

        Assert.Equal(KeyErrorKind.Malformed, Assert.Throws<KeyException>(NewSender).Kind);
    }

    [Fact]
    public void Sender_StateFile_HoldsNoPlaintextChainKeyOrMarker()
    {
        using ClinicalSender sender = NewSender();
        sender.Seal(Vitals(70, "MARKER-state"));
        string text = File.ReadAllText(Path.Combine(_dir, "mon-42.sender.json"));
        Assert.DoesNotContain("MARKER", text, StringComparison.Ordinal);
        Assert.Contains("\"state\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ClinicalJson_RoundTrip_KeepsValuesStatusesAndExtended()
    {
        byte[] json = """{"patient":"0a0b","time":"2026-11-21T10:00:00.250Z","vitals":{"heart_rate":72,"body_temperature":36.65},"status":{"heart_rate":"questionable","body_temperature":"valid"},"extended":[{"loinc":"8302-2","ucum":"cm","value":172.5}]}"""u8.ToArray();
        ClinicalPayload payload = ClinicalJson.Parse(json, DateTimeOffset.UnixEpoch).Payload;
        Assert.Equal(-2, payload.SampleSet.Exponents[1]);
        Assert.Equal(MeasurementStatus.Questionable, payload.SampleSet.Statuses[0]);
        ClinicalPayload again = ClinicalJson.Parse(ClinicalJson.ToJson(payload), DateTimeOffset.UnixEpoch).Payload;
        Assert.Equal(payload, again);
        Assert.Equal((ulong)new DateTimeOffset(2026, 11, 21, 10, 0, 0, 250, TimeSpan.Zero).ToUnixTimeMilliseconds(), payload.SampleSet.TimeMs);
    }

    private static ClinicalPayload Anonymous(int heartRate)
    {
        var set = new SampleSet { TimeMs = 1_790_000_000_000 };
        SampleSets.Add(set, VitalsCatalogue.HeartRate, heartRate);
        return new ClinicalPayload { SampleSet = set };
    }

    [Fact]
    public void AssociatePatient_ContextIsSignedRetainedAndSetsCarryItsNumber()
    {
        using ClinicalSender sender = NewSender();
        using var receiver = new ClinicalReceiver(_consumer, _trust);
        ByteString alice = ByteString.CopyFromUtf8("alice-01");

        SealedMessage context = sender.AssociatePatient(alice);
        SealedMessage set = sender.Seal(Anonymous(72));

        Assert.Equal(("mh/v1/f1/icu-2/mon-42/context", true, true), (context.Topic, context.Signed, context.Retain));
        Assert.Equal((1u, alice), (sender.CurrentContext, sender.CurrentPatient));
        receiver.AcceptAnnouncement(context.AnnouncementTopic, context.Announcement!);
        ReceivedMessage openedSet = receiver.Open(set.Topic, set.Envelope);
        Assert.Equal(1u, openedSet.Payload.SampleSet.Context);
        Assert.True(openedSet.Payload.SampleSet.PatientRef.IsEmpty); // the patient is not in the set

        // The receiver holds the set until the context arrives, then attributes it.
        Assert.Empty(receiver.Contexts.Accept(openedSet).Ready);
        ContextResolution released = receiver.Contexts.Accept(receiver.Open(context.Topic, context.Envelope));
        Assert.Equal(alice, Assert.Single(released.Ready).Set.PatientRef);
    }

    [Fact]
    public void AssociatePatient_AfterARestart_NeverReusesANumber()
    {
        using (ClinicalSender sender = NewSender())
        {
            Assert.Equal(1u, ContextNumber(sender.AssociatePatient(ByteString.CopyFromUtf8("alice-01"))));
        }

        using ClinicalSender restarted = NewSender();
        Assert.Equal((1u, ByteString.CopyFromUtf8("alice-01")), (restarted.CurrentContext, restarted.CurrentPatient));
        Assert.Equal(2u, ContextNumber(restarted.AssociatePatient(ByteString.CopyFromUtf8("bob-0002"))));
    }

    [Fact]
    public void AssociatePatient_WithoutPersistedSenderState_StillNeverReusesANumber()
    {
        var options = new ClinicalSenderOptions { PersistState = false };
        using (var sender = new ClinicalSender(_device, _trust, _dir, options))
        {
            sender.AddRecipient(_consumer.Certificate);
            sender.AssociatePatient(ByteString.CopyFromUtf8("alice-01"));
        }

        using var restarted = new ClinicalSender(_device, _trust, _dir, options);
        restarted.AddRecipient(_consumer.Certificate);
        Assert.Equal(1u, restarted.CurrentContext);
        Assert.Null(restarted.CurrentPatient); // not kept: the patient is only in the sealed state
        Assert.Equal(2u, ContextNumber(restarted.AssociatePatient(ByteString.Empty)));
    }

    [Fact]
    public void Sender_ContextCounterUnreadable_RefusedRatherThanStartingAgainAtOne()
    {
        using (ClinicalSender sender = NewSender())
        {
            sender.AssociatePatient(ByteString.CopyFromUtf8("alice-01"));
        }

        File.WriteAllText(Path.Combine(_dir, "mon-42.context.json"), "{\"type\":");

        Assert.Equal(KeyErrorKind.Malformed, Assert.Throws<KeyException>(NewSender).Kind);
    }

    [Fact]
    public void Seal_NewEpochWithACurrentContext_ResealsTheContextUnderTheNewEpoch()
    {
        uint epoch;
        using (ClinicalSender sender = NewSender())
        {
            SealedMessage first = sender.AssociatePatient(ByteString.CopyFromUtf8("alice-01"));
            sender.AnnouncementPublished();
            epoch = first.Epoch;
        }

        using ClinicalSender restarted = NewSender();
        restarted.AddRecipient(_outsider.Certificate); // a new recipient: a new epoch, which a late receiver joins
        SealedMessage set = restarted.Seal(Anonymous(72));

        Assert.Equal(epoch + 1, set.Epoch);
        SealedMessage again = Assert.IsType<SealedMessage>(set.Context);
        Assert.Equal((set.Epoch, true), (again.Epoch, again.Retain));
        using var late = new ClinicalReceiver(_outsider, _trust);
        late.AcceptAnnouncement(set.AnnouncementTopic, set.Announcement!);
        Assert.Equal(1u, ContextNumber(late.Open(again.Topic, again.Envelope)));
        Assert.Null(restarted.Seal(Anonymous(73)).Context); // once per epoch
    }

    [Fact]
    public void Open_PatientContextOnTheVitalsStream_MalformedPayload()
    {
        using ClinicalSender sender = NewSender();
        using var receiver = new ClinicalReceiver(_consumer, _trust);
        SealedMessage m = sender.Seal(new ClinicalPayload { PatientContext = new PatientContext { Number = 1 } }, ClinicalStreams.Vitals);
        receiver.AcceptAnnouncement(m.AnnouncementTopic, m.Announcement!);

        Assert.Equal(ClinicalError.MalformedPayload, Assert.Throws<ClinicalException>(() => receiver.Open(m.Topic, m.Envelope)).Error);
    }

    [Fact]
    public void FhirFromAResolvedSet_SubjectIsTheContextsPatient()
    {
        using ClinicalSender sender = NewSender();
        using var receiver = new ClinicalReceiver(_consumer, _trust);
        SealedMessage context = sender.AssociatePatient(ByteString.CopyFrom(0x0a, 0x0b, 0x0c));
        SealedMessage set = sender.Seal(Anonymous(72));
        receiver.AcceptAnnouncement(context.AnnouncementTopic, context.Announcement!);
        receiver.Contexts.Accept(receiver.Open(context.Topic, context.Envelope));

        AttributedSet ready = Assert.Single(receiver.Contexts.Accept(receiver.Open(set.Topic, set.Envelope)).Ready);

        using JsonDocument observation = JsonDocument.Parse(Assert.Single(FhirVitalSigns.ToObservations(ready.Set)));
        Assert.Equal("0a0b0c", observation.RootElement.GetProperty("subject").GetProperty("identifier").GetProperty("value").GetString());
    }

    /// <summary>The number in a sealed patient context, as a receiver opens it (the announcement is still pending in these tests).</summary>
    private uint ContextNumber(SealedMessage m)
    {
        using var receiver = new ClinicalReceiver(_consumer, _trust);
        receiver.AcceptAnnouncement(m.AnnouncementTopic, m.Announcement!);
        return ContextNumber(receiver.Open(m.Topic, m.Envelope));
    }

    private static uint ContextNumber(ReceivedMessage m) => m.Payload.PatientContext.Number;

    [Theory]
    [InlineData("""{"vitals":{"heart_rte":72}}""", "unknown member 'heart_rte'")]
    [InlineData("""{"vitals":{"heart_rate":"72"}}""", "is not a number")]
    [InlineData("""{"patient":"xyz","vitals":{"heart_rate":72}}""", "hex")]
    [InlineData("""{"time":"2026-11-21T10:00:00","vitals":{"heart_rate":72}}""", "with a zone")]
    [InlineData("""{"alarm":{"id":1,"priority":"loud","condition":"apnea"}}""", "alarm.priority 'loud'")]
    [InlineData("""{"device":"d"}""", "either")]
    [InlineData("""[1]""", "not a JSON object")]
    public void ClinicalJson_BadReading_FormatExceptionNamingTheProblem(string json, string expected)
    {
        FormatException ex = Assert.Throws<FormatException>(() => ClinicalJson.Parse(Encoding.UTF8.GetBytes(json), DateTimeOffset.UnixEpoch));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }
}
