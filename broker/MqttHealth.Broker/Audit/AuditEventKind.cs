namespace MqttHealth.Broker.Audit;

/// <summary>
/// What an audit record is about. The canonical encoding stores the member's name (not its number), so
/// members may be added in any position; a name, once written, must never be renamed.
/// </summary>
public enum AuditEventKind
{
    Connect,
    AuthenticationSucceeded,
    AuthenticationFailed,
    Disconnect,
    SubscribeAllowed,
    SubscribeDenied,
    PublishDenied,
    BreakGlassOpened,
    BreakGlassUsed,
    BreakGlassClosed,
    BreakGlassReviewed,
    PolicyReloaded,
    UserChanged,
    CertificateChanged,
    AdminAction,
}
