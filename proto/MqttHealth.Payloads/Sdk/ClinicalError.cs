using MqttHealth.Payloads.Envelope;
using MqttHealth.Payloads.Keys;

namespace MqttHealth.Payloads.Sdk;

/// <summary>Why a <see cref="ClinicalReceiver"/> refused an announcement or an envelope.</summary>
public enum ClinicalError
{
    /// <summary>The topic is not <c>mh/v1/{facility}/{unit}/{device}/{stream}</c> with a known stream (or not the keys topic for an announcement).</summary>
    BadTopic,

    /// <summary>The announcement does not parse, does not verify, or is not the topic's device's (<see cref="ClinicalException.KeyError"/> says which check).</summary>
    BadAnnouncement,

    /// <summary>The announcement verifies but holds no entry for this receiver: it is not authorised to read that epoch.</summary>
    NotARecipient,

    /// <summary>No epoch of this sender is known (no announcement seen, or not a recipient).</summary>
    UnknownSender,

    /// <summary>The sender is known but not this epoch (announcement not yet seen, or removed).</summary>
    UnknownEpoch,

    /// <summary>A sequence number already opened: a replay or a QoS 1 redelivery.</summary>
    Duplicate,

    /// <summary>The sequence is too old (its key left the window) or too far ahead.</summary>
    OutsideWindow,

    /// <summary>The AEAD tag does not verify: altered, another topic, another sender, or another key.</summary>
    AuthenticationFailed,

    /// <summary>An alarm or command without the sender's signature.</summary>
    SignatureMissing,

    /// <summary>The signature does not verify against the sender's certificate.</summary>
    SignatureInvalid,

    /// <summary>The envelope is malformed (header, padding, compression, version, suite, dictionary).</summary>
    MalformedEnvelope,

    /// <summary>The envelope opened but its plaintext is not a valid ClinicalPayload (or not one the stream carries).</summary>
    MalformedPayload,
}

/// <summary>A refusal by the SDK, with its <see cref="Error"/> and, when the envelope or key layer decided, that layer's reason.</summary>
public sealed class ClinicalException : Exception
{
    public ClinicalException()
        : this(ClinicalError.MalformedEnvelope, "refused")
    {
    }

    public ClinicalException(string message)
        : this(ClinicalError.MalformedEnvelope, message)
    {
    }

    public ClinicalException(string message, Exception innerException)
        : this(ClinicalError.MalformedEnvelope, message, innerException)
    {
    }

    public ClinicalException(ClinicalError error, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Error = error;
        EnvelopeError = (innerException as EnvelopeException)?.Error;
        KeyError = (innerException as KeyException)?.Kind;
    }

    public ClinicalError Error { get; }

    /// <summary>The envelope's own reason, when the envelope layer refused.</summary>
    public EnvelopeError? EnvelopeError { get; }

    /// <summary>The key layer's reason, when an announcement was refused.</summary>
    public KeyErrorKind? KeyError { get; }

    internal static ClinicalError FromEnvelope(EnvelopeError error) => error switch
    {
        Envelope.EnvelopeError.UnknownSender => ClinicalError.UnknownSender,
        Envelope.EnvelopeError.UnknownEpoch => ClinicalError.UnknownEpoch,
        Envelope.EnvelopeError.Duplicate => ClinicalError.Duplicate,
        Envelope.EnvelopeError.OutsideWindow or Envelope.EnvelopeError.TooFarAhead => ClinicalError.OutsideWindow,
        Envelope.EnvelopeError.AuthenticationFailed => ClinicalError.AuthenticationFailed,
        Envelope.EnvelopeError.SignatureMissing => ClinicalError.SignatureMissing,
        Envelope.EnvelopeError.SignatureInvalid or Envelope.EnvelopeError.SignatureKeyMissing => ClinicalError.SignatureInvalid,
        _ => ClinicalError.MalformedEnvelope,
    };
}
