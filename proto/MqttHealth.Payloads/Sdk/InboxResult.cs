namespace MqttHealth.Payloads.Sdk;

/// <summary>
/// What <see cref="ClinicalInbox.Receive"/> did with one received message.
/// </summary>
/// <param name="Announcement">The message was on a <c>.../keys</c> topic.</param>
/// <param name="Accepted">The epoch the announcement added; null when the message was an envelope, or an announcement that was refused (its refusal is in <paramref name="Refusals"/>).</param>
/// <param name="Opened">Envelopes opened now, in order: the message itself, or the held envelopes an accepted announcement released.</param>
/// <param name="Held">Envelopes held after this call (waiting for their sender's announcement).</param>
/// <param name="Refusals">Messages refused now, each with its <see cref="ClinicalException"/> (duplicates included, one per message).</param>
public sealed record InboxResult(bool Announcement, AcceptedEpoch? Accepted, IReadOnlyList<ReceivedMessage> Opened, int Held, IReadOnlyList<InboxRefusal> Refusals);
