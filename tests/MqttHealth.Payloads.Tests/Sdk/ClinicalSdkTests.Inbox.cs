using MqttHealth.Payloads.Sdk;

namespace MqttHealth.Payloads.Tests.Sdk;

/// <summary><see cref="ClinicalInbox"/>: routing, holding envelopes until their announcement, the bound, refusals.</summary>
public sealed partial class ClinicalSdkTests
{
    [Fact]
    public void Inbox_EnvelopeBeforeItsAnnouncement_IsHeldAsACopy_AndOpenedWhenTheAnnouncementArrives()
    {
        using ClinicalSender sender = NewSender();
        using var receiver = new ClinicalReceiver(_consumer, _trust);
        var inbox = new ClinicalInbox(receiver);
        SealedMessage m = sender.Seal(Vitals(72));
        sender.AnnouncementPublished();

        byte[] buffer = [.. m.Envelope];
        InboxResult early = inbox.Receive(m.Topic, buffer);
        Array.Clear(buffer); // the MQTT client may reuse the payload memory
        Assert.False(early.Announcement);
        Assert.Empty(early.Opened);
        Assert.Empty(early.Refusals);
        Assert.Equal(1, early.Held);

        InboxResult keys = inbox.Receive(m.AnnouncementTopic, m.Announcement);
        Assert.True(keys.Announcement);
        Assert.Equal(("mon-42", m.Epoch), (keys.Accepted!.SenderId, keys.Accepted.Epoch));
        ReceivedMessage opened = Assert.Single(keys.Opened);
        Assert.Equal((m.Epoch, m.Sequence), (opened.Epoch, opened.Sequence));
        Assert.Equal(Vitals(72), opened.Payload);
        Assert.Empty(keys.Refusals);
        Assert.Equal(0, keys.Held);
        Assert.Equal(0, inbox.Held);

        SealedMessage next = sender.Seal(Vitals(73));
        Assert.Null(next.Announcement);
        InboxResult now = inbox.Receive(next.Topic, next.Envelope);
        Assert.Equal(Vitals(73), Assert.Single(now.Opened).Payload);
        Assert.Null(now.Accepted);
    }

    [Fact]
    public void Inbox_AtTheBound_TheNewEnvelopeIsRefused_AndTheHeldOnesStay()
    {
        using ClinicalSender sender = NewSender();
        using var receiver = new ClinicalReceiver(_consumer, _trust);
        var inbox = new ClinicalInbox(receiver, maxHeld: 2);
        Assert.Equal(2, inbox.MaxHeld);
        SealedMessage first = sender.Seal(Vitals(70));
        SealedMessage second = sender.Seal(Vitals(71));
        SealedMessage third = sender.Seal(Vitals(72));

        Assert.Equal(1, inbox.Receive(first.Topic, first.Envelope).Held);
        Assert.Equal(2, inbox.Receive(second.Topic, second.Envelope).Held);
        InboxResult over = inbox.Receive(third.Topic, third.Envelope);
        Assert.Equal(third.Envelope, SingleRefusal(over, ClinicalError.UnknownSender, third.Topic).Message.ToArray());
        Assert.Equal(2, over.Held);

        InboxResult keys = inbox.Receive(first.AnnouncementTopic, first.Announcement);
        Assert.Equal([first.Sequence, second.Sequence], keys.Opened.Select(o => o.Sequence));
        Assert.Equal(0, keys.Held);
    }

    [Fact]
    public void Inbox_ARefusedAnnouncement_IsReported_AndLeavesTheHeldEnvelopesHeld()
    {
        using ClinicalSender sender = NewSender();
        using var receiver = new ClinicalReceiver(_consumer, _trust);
        var inbox = new ClinicalInbox(receiver);
        SealedMessage m = sender.Seal(Vitals(72));
        inbox.Receive(m.Topic, m.Envelope);

        InboxResult refused = inbox.Receive("mh/v1/f1/icu-2/mon-43/keys", m.Announcement);
        Assert.True(refused.Announcement);
        Assert.Null(refused.Accepted);
        Assert.Empty(refused.Opened);
        SingleRefusal(refused, ClinicalError.BadAnnouncement, "mh/v1/f1/icu-2/mon-43/keys");
        Assert.Equal(1, refused.Held);

        InboxResult keys = inbox.Receive(m.AnnouncementTopic, m.Announcement);
        Assert.Equal(m.Sequence, Assert.Single(keys.Opened).Sequence);
        Assert.Equal(0, keys.Held);
    }

    [Fact]
    public void Inbox_Duplicates_AreReportedOncePerMessage_HeldOnesToo()
    {
        using ClinicalSender sender = NewSender();
        using var receiver = new ClinicalReceiver(_consumer, _trust);
        var inbox = new ClinicalInbox(receiver);
        SealedMessage m = sender.Seal(Vitals(72));

        inbox.Receive(m.Topic, m.Envelope);
        inbox.Receive(m.Topic, m.Envelope); // a QoS 1 redelivery before the announcement: held twice
        InboxResult keys = inbox.Receive(m.AnnouncementTopic, m.Announcement);
        Assert.Single(keys.Opened);
        Assert.Equal(m.Envelope, SingleRefusal(keys, ClinicalError.Duplicate, m.Topic).Message.ToArray());

        InboxResult again = inbox.Receive(m.Topic, m.Envelope);
        Assert.Empty(again.Opened);
        SingleRefusal(again, ClinicalError.Duplicate, m.Topic);
        Assert.Equal(0, again.Held);
    }

    [Fact]
    public void Inbox_OtherRefusals_AreReported_NotHeld()
    {
        using var receiver = new ClinicalReceiver(_consumer, _trust);
        var inbox = new ClinicalInbox(receiver);
        InboxResult result = inbox.Receive("mh/v1/f1/icu-2/mon-42/nonsense", [1, 2, 3]);
        SingleRefusal(result, ClinicalError.BadTopic, "mh/v1/f1/icu-2/mon-42/nonsense");
        Assert.Equal(0, result.Held);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClinicalInbox(receiver, -1));
    }

    private static InboxRefusal SingleRefusal(InboxResult result, ClinicalError error, string topic)
    {
        InboxRefusal refusal = Assert.Single(result.Refusals);
        Assert.Equal((error, topic), (refusal.Error.Error, refusal.Topic));
        return refusal;
    }
}
