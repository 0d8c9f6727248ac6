namespace MqttHealth.Broker.Security.Authentication.Tokens;

/// <summary>The JWS algorithms the broker accepts (RFC 7518 §3.1). Nothing else is: see docs/authentication.md.</summary>
public enum JwtAlgorithm
{
    /// <summary>ECDSA on P-256 with SHA-256; the signature is r||s, 64 bytes (RFC 7518 §3.4).</summary>
    ES256,

    /// <summary>RSASSA-PKCS1-v1_5 with SHA-256, keys of 2048 bits or more (RFC 7518 §3.3).</summary>
    RS256,
}
