namespace MqttHealth.Broker.Audit;

/// <summary>The audit trail's files in the data directory.</summary>
public static class AuditFiles
{
    public const string Database = "audit.db";

    /// <summary>A signed copy of the latest checkpoint, kept outside the database (truncation detection).</summary>
    public const string Head = "audit.head";

    /// <summary>The ECDSA P-256 private key (PKCS#8 PEM, mode 0600) that signs checkpoints.</summary>
    public const string PrivateKey = "audit-signing-key.pem";

    /// <summary>The matching public key (SubjectPublicKeyInfo PEM) for auditors.</summary>
    public const string PublicKey = "audit-signing-key.pub.pem";

    internal const string Lock = "audit.lock";
}
