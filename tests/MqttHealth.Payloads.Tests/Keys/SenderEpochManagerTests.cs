using MqttHealth.Payloads.Keys;
using static MqttHealth.Payloads.Tests.Keys.KeyTestSupport;

namespace MqttHealth.Payloads.Tests.Keys;

public sealed class SenderEpochManagerTests : IDisposable
{
    private readonly ManualTime _time = new(Start);
    private readonly FacilityCa _ca;
    private readonly FacilityTrust _trust;
    private readonly KeyIdentity _sender;
    private readonly KeyIdentity _central1;
    private readonly KeyIdentity _central2;
    private readonly string _directory = TempDirectory();
    private readonly EpochRotationPolicy _policy = new(TimeSpan.FromHours(1), 100);

    public SenderEpochManagerTests()
    {
        _ca = NewCa(_time);
        _trust = new FacilityTrust(_ca.Certificate);
        _sender = Identity(_ca, KeyRole.Device, "mon-42", _time);
        _central1 = Identity(_ca, KeyRole.Consumer, "central-1", _time);
        _central2 = Identity(_ca, KeyRole.Consumer, "central-2", _time);
    }

    private string StatePath => Path.Combine(_directory, "mon-42.epoch.json");

    public void Dispose()
    {
        _sender.Dispose();
        _central1.Dispose();
        _central2.Dispose();
        _ca.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private SenderEpochManager NewManager()
    {
        var manager = new SenderEpochManager(_sender, _trust, _policy, StatePath, _time);
        manager.AddRecipient(_central1.Certificate);
        manager.AddRecipient(_central2.Certificate);
        return manager;
    }

    [Fact]
    public void Policy_MoreMessagesThanALateJoinerCanCatchUpWith_IsRefused()
    {
        new EpochRotationPolicy(TimeSpan.FromHours(1), EpochRotationPolicy.MessagesLimit).Validate();

        Assert.Throws<ArgumentOutOfRangeException>(() => new EpochRotationPolicy(TimeSpan.FromHours(1), EpochRotationPolicy.MessagesLimit + 1).Validate());
        Assert.Equal((ulong)MqttHealth.Payloads.SenderKeys.SenderKeyStore.MaxInitialJump, EpochRotationPolicy.Default.MaximumMessages);
    }

    [Fact]
    public void RotationDue_BeforeFirstRotation_NoCurrentEpochThenNone()
    {
        SenderEpochManager manager = NewManager();
        Assert.Equal(EpochRotationReason.NoCurrentEpoch, manager.RotationDue);

        EpochRotation rotation = manager.Rotate();

        Assert.Equal(EpochRotationReason.NoCurrentEpoch, rotation.Reason);
        Assert.Equal(1u, rotation.Announcement.Epoch);
        Assert.Equal(EpochRotationReason.None, manager.RotationDue);
    }

    [Fact]
    public void RotationDue_AtTheMaximumAge_Age()
    {
        SenderEpochManager manager = NewManager();
        manager.Rotate();

        _time.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(EpochRotationReason.None, manager.RotationDue);
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(EpochRotationReason.Age, manager.RotationDue);
        Assert.Equal(2u, manager.Rotate().Announcement.Epoch);
        Assert.Equal(EpochRotationReason.None, manager.RotationDue);
    }

    [Fact]
    public void RotationDue_AtTheMaximumCount_MessageCount()
    {
        SenderEpochManager manager = NewManager();
        manager.Rotate();

        for (int i = 0; i < 99; i++)
        {
            manager.RecordMessage();
        }

        Assert.Equal(EpochRotationReason.None, manager.RotationDue);
        manager.RecordMessage();
        Assert.Equal(EpochRotationReason.MessageCount, manager.RotationDue);
        manager.Rotate();
        Assert.Equal(0ul, manager.MessagesInEpoch);
    }

    [Fact]
    public void Announcement_DeclaresThePolicyLimits()
    {
        EpochAnnouncement announcement = NewManager().Rotate().Announcement;

        Assert.Equal(Start.AddHours(1), announcement.Expires);
        Assert.Equal(100ul, announcement.MaxMessages);
    }

    [Fact]
    public void RevokeRecipient_RotationDueAtOnce_RevokedCannotUnwrapTheNewEpoch()
    {
        SenderEpochManager manager = NewManager();
        EpochRotation before = manager.Rotate();
        using (ReceivedEpoch old = EpochAnnouncement.Open(before.Announcement.ToJson(), _central2, _trust, _time))
        {
            Assert.Equal(before.Secret.Secret.ToArray(), old.Secret.ToArray());
        }

        Assert.True(manager.RevokeRecipient(_central2.KeyId));
        Assert.Equal(EpochRotationReason.RecipientRevoked, manager.RotationDue);
        EpochRotation after = manager.Rotate();

        Assert.Equal(EpochRotationReason.RecipientRevoked, after.Reason);
        Assert.Equal(KeyErrorKind.NotARecipient, Assert.Throws<KeyException>(() => EpochAnnouncement.Open(after.Announcement.ToJson(), _central2, _trust, _time)).Kind);
        using ReceivedEpoch kept = EpochAnnouncement.Open(after.Announcement.ToJson(), _central1, _trust, _time);
        Assert.Equal(after.Secret.Secret.ToArray(), kept.Secret.ToArray());
        Assert.NotEqual(before.Secret.Secret.ToArray(), kept.Secret.ToArray());
    }

    [Fact]
    public void ApplyCrl_RevokedRecipient_RemovedAndRotationDue()
    {
        SenderEpochManager manager = NewManager();
        manager.Rotate();
        FacilityCrl crl = FacilityCrl.Parse(_ca.BuildCrl(null, [_central1.Certificate.SerialNumberBytes], TimeSpan.FromDays(7), _time), _ca.Certificate, "crl");

        Assert.Equal(1, manager.ApplyCrl(crl));

        Assert.Equal([_central2.KeyId], manager.RecipientKeyIds);
        Assert.Equal(EpochRotationReason.RecipientRevoked, manager.RotationDue);
    }

    [Fact]
    public void AddRecipient_AfterRotation_RotationDueForTheNewcomer()
    {
        var manager = new SenderEpochManager(_sender, _trust, _policy, StatePath, _time);
        manager.AddRecipient(_central1.Certificate);
        manager.Rotate();

        manager.AddRecipient(_central2.Certificate);

        Assert.Equal(EpochRotationReason.RecipientsChanged, manager.RotationDue);
    }

    [Fact]
    public void Rotate_AfterRestart_NeverReusesAnEpochNumber()
    {
        SenderEpochManager first = NewManager();
        first.Rotate();
        first.Rotate();
        first.Rotate();

        SenderEpochManager restarted = NewManager();

        Assert.Equal(3u, restarted.LastEpoch);
        Assert.Equal(EpochRotationReason.NoCurrentEpoch, restarted.RotationDue);
        Assert.Equal(4u, restarted.Rotate().Announcement.Epoch);
        Assert.Equal(new SenderEpochState("mon-42", 4), SenderEpochState.Parse(File.ReadAllBytes(StatePath), StatePath));
    }

    [Fact]
    public void StateFile_OfAnotherSender_Refused()
    {
        new SenderEpochState("mon-99", 5).Save(StatePath);

        KeyException ex = Assert.Throws<KeyException>(() => new SenderEpochManager(_sender, _trust, _policy, StatePath, _time));
        Assert.Equal(KeyErrorKind.InvalidState, ex.Kind);
    }

    [Fact]
    public void Rotate_SenderIsARecipientOfItsOwnAnnouncement()
    {
        EpochRotation rotation = NewManager().Rotate();

        using ReceivedEpoch own = EpochAnnouncement.Open(rotation.Announcement.ToJson(), _sender, _trust, _time);

        Assert.Equal(rotation.Secret.Secret.ToArray(), own.Secret.ToArray());
        Assert.Equal(3, rotation.Announcement.Recipients.Count);
    }
}
