namespace MqttHealth.Payloads.Sdk;

/// <summary>
/// Routes received MQTT messages to a <see cref="ClinicalReceiver"/>: an announcement (<c>.../keys</c>) goes to
/// <see cref="ClinicalReceiver.AcceptAnnouncement"/> and, once accepted, the held envelopes are opened again; any other
/// topic is opened with <see cref="ClinicalReceiver.Open"/>, and an envelope refused as
/// <see cref="ClinicalError.UnknownSender"/> or <see cref="ClinicalError.UnknownEpoch"/> (it came before its
/// announcement) is held, as a copy, until an announcement arrives. At most <see cref="MaxHeld"/> envelopes are held:
/// beyond that a new one is refused (its UnknownSender/UnknownEpoch refusal is reported) and the held ones stay.
/// Does not own the receiver. Not thread-safe.
/// </summary>
public sealed class ClinicalInbox
{
    /// <summary>The default bound on held envelopes.</summary>
    public const int DefaultMaxHeld = 10_000;

    private readonly ClinicalReceiver _receiver;
    private List<(string Topic, byte[] Envelope)> _held = [];

    public ClinicalInbox(ClinicalReceiver receiver, int maxHeld = DefaultMaxHeld)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        ArgumentOutOfRangeException.ThrowIfNegative(maxHeld);
        _receiver = receiver;
        MaxHeld = maxHeld;
    }

    /// <summary>The most envelopes held at once.</summary>
    public int MaxHeld { get; }

    /// <summary>Envelopes held now.</summary>
    public int Held => _held.Count;

    /// <summary>
    /// Takes one received message (<paramref name="payload"/> is copied when held, so the caller may reuse its memory)
    /// and returns what happened. Refusals are reported, never thrown.
    /// </summary>
    public InboxResult Receive(string topic, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(topic);
        var opened = new List<ReceivedMessage>();
        var refusals = new List<InboxRefusal>();
        if (!topic.EndsWith("/" + ClinicalStreams.Keys, StringComparison.Ordinal))
        {
            Open(topic, payload, null, opened, refusals);
            return new InboxResult(false, null, opened, _held.Count, refusals);
        }

        AcceptedEpoch accepted;
        try
        {
            accepted = _receiver.AcceptAnnouncement(topic, payload);
        }
        catch (ClinicalException ex)
        {
            refusals.Add(new InboxRefusal(topic, payload.ToArray(), ex));
            return new InboxResult(true, null, opened, _held.Count, refusals);
        }

        List<(string Topic, byte[] Envelope)> retry = _held;
        _held = [];
        foreach ((string heldTopic, byte[] envelope) in retry)
        {
            Open(heldTopic, envelope, envelope, opened, refusals);
        }

        return new InboxResult(true, accepted, opened, _held.Count, refusals);
    }

    private void Open(string topic, ReadOnlySpan<byte> envelope, byte[]? copy, List<ReceivedMessage> opened, List<InboxRefusal> refusals)
    {
        try
        {
            opened.Add(_receiver.Open(topic, envelope));
        }
        catch (ClinicalException ex) when (ex.Error is ClinicalError.UnknownSender or ClinicalError.UnknownEpoch && _held.Count < MaxHeld)
        {
            _held.Add((topic, copy ?? envelope.ToArray()));
        }
        catch (ClinicalException ex)
        {
            refusals.Add(new InboxRefusal(topic, copy ?? envelope.ToArray(), ex));
        }
    }
}
