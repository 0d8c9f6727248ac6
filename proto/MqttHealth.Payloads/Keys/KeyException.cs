namespace MqttHealth.Payloads.Keys;

/// <summary>What went wrong with key material, an identity or an epoch announcement (see <see cref="KeyException"/>).</summary>
public enum KeyErrorKind
{
    /// <summary>A file, PEM block, certificate, CRL or JSON document that cannot be parsed.</summary>
    Malformed,

    /// <summary>The passphrase does not decrypt the encrypted private key (or the encrypted key is damaged).</summary>
    WrongPassphrase,

    /// <summary>The private key is not the one whose public key the certificate holds.</summary>
    KeyMismatch,

    /// <summary>The certificate does not chain to the facility CA (another CA, or its signature does not verify).</summary>
    NotIssuedByCa,

    /// <summary>The certificate's validity ended before the time of the check.</summary>
    Expired,

    /// <summary>The certificate's validity starts after the time of the check.</summary>
    NotYetValid,

    /// <summary>The certificate is listed in the facility CA's CRL.</summary>
    Revoked,

    /// <summary>The certificate is not the kind this use needs (role, key type, key usage, name).</summary>
    WrongUsage,

    /// <summary>The announcement's signature does not verify with the sender's certificate.</summary>
    BadSignature,

    /// <summary>The announcement lists no wrapped secret for this recipient.</summary>
    NotARecipient,

    /// <summary>The recipient's wrapped secret does not decrypt (altered, or wrapped for another key).</summary>
    UnwrapFailed,

    /// <summary>A state or policy that forbids the operation (an epoch number would be reused, no recipients).</summary>
    InvalidState,
}

/// <summary>
/// The one exception type of the key lifecycle: every refusal (wrong passphrase, foreign certificate, tampered
/// announcement, ...) is one of these, with <see cref="Kind"/> saying which check failed and a message naming it.
/// </summary>
public sealed class KeyException : Exception
{
    public KeyException()
        : this(KeyErrorKind.Malformed, "key material refused")
    {
    }

    public KeyException(string message)
        : this(KeyErrorKind.Malformed, message)
    {
    }

    public KeyException(string message, Exception innerException)
        : this(KeyErrorKind.Malformed, message, innerException)
    {
    }

    public KeyException(KeyErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
    }

    /// <summary>Which check failed.</summary>
    public KeyErrorKind Kind { get; }
}
