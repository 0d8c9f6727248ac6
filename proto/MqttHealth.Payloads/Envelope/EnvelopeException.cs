namespace MqttHealth.Payloads.Envelope;

/// <summary>An envelope was rejected; <see cref="Error"/> says why.</summary>
public sealed class EnvelopeException : Exception
{
    public EnvelopeException(EnvelopeError error, string message)
        : base(message) => Error = error;

    public EnvelopeException(EnvelopeError error, string message, Exception inner)
        : base(message, inner) => Error = error;

    public EnvelopeException()
        : this(EnvelopeError.Malformed, "The envelope was rejected.")
    {
    }

    public EnvelopeException(string message)
        : this(EnvelopeError.Malformed, message)
    {
    }

    public EnvelopeException(string message, Exception inner)
        : this(EnvelopeError.Malformed, message, inner)
    {
    }

    /// <summary>The reason for the rejection.</summary>
    public EnvelopeError Error { get; }

    internal static string Describe(EnvelopeError error) => error switch
    {
        EnvelopeError.None => "No error.",
        EnvelopeError.Malformed => "The envelope is malformed (truncated, a bad varint, or a reserved encoding).",
        EnvelopeError.UnsupportedVersion => "The envelope's version is not 1.",
        EnvelopeError.UnsupportedSuite => "The envelope's AEAD suite is reserved or not supported on this platform.",
        EnvelopeError.UnknownDictionary => "The envelope names a compression dictionary this opener does not have.",
        EnvelopeError.UnknownSender => "No epoch secret is known for this sender.",
        EnvelopeError.UnknownEpoch => "The epoch secret for this sender and epoch is not known.",
        EnvelopeError.AuthenticationFailed => "The envelope does not authenticate (wrong key, topic or sender, or modified).",
        EnvelopeError.Duplicate => "This sequence number was already opened (duplicate or replay).",
        EnvelopeError.OutsideWindow => "The sequence number is older than the window of skipped keys (replay or too late).",
        EnvelopeError.TooFarAhead => "The sequence number is further ahead than the maximum forward jump.",
        EnvelopeError.SignatureMissing => "The message must be signed and is not.",
        EnvelopeError.SignatureInvalid => "The signature does not verify against the sender's public key.",
        EnvelopeError.SignatureKeyMissing => "The message is signed but no sender public key was given.",
        EnvelopeError.InvalidPadding => "The authenticated body's padding is invalid.",
        EnvelopeError.InvalidCompressedBody => "The authenticated body does not decompress with its dictionary.",
        EnvelopeError.DestinationTooSmall => "The destination buffer is too small.",
        _ => error.ToString(),
    };
}
