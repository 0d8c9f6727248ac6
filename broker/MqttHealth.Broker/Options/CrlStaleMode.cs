namespace MqttHealth.Broker.Options;

/// <summary>What the broker does with a client CRL past its nextUpdate (<c>Broker:Tls:ClientCrlStale</c>).</summary>
public enum CrlStaleMode
{
    /// <summary>Fail closed (the default): every certificate the stale CRL covers is refused until a fresh CRL is installed.</summary>
    Refuse = 0,

    /// <summary>Fail open: the stale list is still applied (its revoked serials stay refused), and the broker logs error 5048.</summary>
    Accept = 1,
}
