namespace MqttHealth.Payloads.Envelope;

/// <summary>Why an envelope could not be opened (or sealed). Every rejection names one of these.</summary>
public enum EnvelopeError
{
    /// <summary>Opened (no error).</summary>
    None = 0,

    /// <summary>Too short, a varint that is truncated, not minimal or above 2^32-1, or a reserved encoding.</summary>
    Malformed,

    /// <summary>The version bits are not 01 (this library reads version 1 only).</summary>
    UnsupportedVersion,

    /// <summary>The suite bits name a suite this library does not implement (10 or 11), or the platform lacks it.</summary>
    UnsupportedSuite,

    /// <summary>The header names a dictionary the opener was not given.</summary>
    UnknownDictionary,

    /// <summary>No epoch secret is known for this sender id at all.</summary>
    UnknownSender,

    /// <summary>The sender is known but this epoch's secret is not (not yet announced, removed, or never granted to this recipient).</summary>
    UnknownEpoch,

    /// <summary>The AEAD tag does not verify: wrong key, another topic or sender, or any modified bit.</summary>
    AuthenticationFailed,

    /// <summary>This sequence number of this (sender, epoch) was already opened: a duplicate or a replay.</summary>
    Duplicate,

    /// <summary>The sequence is older than the window of skipped keys kept for out-of-order delivery; its key is gone.</summary>
    OutsideWindow,

    /// <summary>The sequence is further ahead of the next expected one than the maximum forward jump.</summary>
    TooFarAhead,

    /// <summary>The message had to be signed (alarm, command) and is not.</summary>
    SignatureMissing,

    /// <summary>The ECDSA P-256 signature does not verify against the sender's public key.</summary>
    SignatureInvalid,

    /// <summary>The message is signed but no public key of the sender was given to check it against.</summary>
    SignatureKeyMissing,

    /// <summary>The padding inside an authenticated body is not 0x80 followed by zeros (a sender bug; the tag verified).</summary>
    InvalidPadding,

    /// <summary>The compressed body inside an authenticated message does not decompress with its dictionary.</summary>
    InvalidCompressedBody,

    /// <summary>The destination buffer is too small for the result.</summary>
    DestinationTooSmall,
}
