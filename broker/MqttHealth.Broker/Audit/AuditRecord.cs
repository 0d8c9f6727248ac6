namespace MqttHealth.Broker.Audit;

/// <summary>
/// One entry of the audit trail. It never holds payload content: only the payload's size and the SHA-256 of
/// the bytes as sent (ciphertext when the payload is end-to-end encrypted); <see cref="AuditPayload.Sha256"/>
/// computes that hash from a span without keeping the span.
/// </summary>
/// <param name="Time">When it happened, UTC; stored with millisecond precision (finer parts are dropped).</param>
/// <param name="Kind">What happened.</param>
/// <param name="Principal">The authenticated principal's name, if any.</param>
/// <param name="ClientId">The MQTT client identifier, if any.</param>
/// <param name="RemoteAddress">The peer's address (e.g. <c>10.0.0.7:51544</c>), if any.</param>
/// <param name="Topic">The topic name or topic filter concerned, if any.</param>
/// <param name="PayloadSize">The payload's length in bytes, when a payload is concerned.</param>
/// <param name="PayloadSha256">The payload's SHA-256 (32 bytes), when a payload is concerned.</param>
/// <param name="Detail">Reason or detail text (a reason code, the rule that denied, the admin action).</param>
public sealed record AuditRecord(
    DateTimeOffset Time,
    AuditEventKind Kind,
    string? Principal = null,
    string? ClientId = null,
    string? RemoteAddress = null,
    string? Topic = null,
    long? PayloadSize = null,
    AuditPayloadHash? PayloadSha256 = null,
    string? Detail = null);
