using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MqttHealth.Broker.Options;

namespace MqttHealth.Broker.Security.Authentication;

/// <summary>
/// Turns a TLS client certificate (already validated against the facility CA by the listener) into a
/// <see cref="Principal"/> of kind <see cref="PrincipalKind.Certificate"/>: the name from the subject CN or a SAN, the
/// attributes from subject fields or SANs, the roles from the users file's certificate entry for that name, or the
/// configured default roles. Checks the certificate against the client CRLs again at CONNECT. No lock is held:
/// everything here reads immutable snapshots.
/// </summary>
/// <remarks>
/// A refusal is <see cref="AuthenticationOutcome.NotAuthorized"/> (CONNACK 0x87 / return code 5): the client sent no
/// user name or password, so "bad user name or password" would mislead, and 0x87 is also what a client without any
/// credentials hears, so it tells nothing about which check failed. The log (event 5042) and the audit record say which.
/// </remarks>
public sealed class CertificateAuthenticator
{
    private static readonly char[] UnusableInPlaceholders = ['+', '#', '/', '\0'];

    private readonly UserStore _users;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CertificateField _identity;
    private readonly KeyValuePair<string, CertificateField>[] _attributes;
    private readonly IReadOnlyList<string> _defaultRoles;

    /// <param name="options">Identity, attribute map, default roles; validated (<see cref="Validate"/>).</param>
    /// <param name="users">The users file, for certificate entries.</param>
    /// <param name="revocation">The client CRLs, when a CRL file is configured.</param>
    /// <param name="logger">Events 5040-5059.</param>
    /// <param name="timeProvider">The clock for validity and CRL staleness; the system clock when null.</param>
    public CertificateAuthenticator(CertificateOptions options, UserStore users, CertificateRevocationStore? revocation, ILogger<CertificateAuthenticator> logger, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(users);
        ArgumentNullException.ThrowIfNull(logger);
        if (Validate(options) is { Count: > 0 } problems)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        }

        _users = users;
        _logger = logger;
        _time = timeProvider ?? TimeProvider.System;
        Revocation = revocation;
        _identity = Field(options.Identity);
        _attributes = [.. options.EffectiveAttributes.Select(pair => new KeyValuePair<string, CertificateField>(pair.Key, Field(pair.Value)))];
        _defaultRoles = [.. options.DefaultRoles];
        string attributeMap = _attributes.Length == 0 ? "none" : string.Join(", ", _attributes.Select(a => $"{a.Key} <- {a.Value.Name}"));
        CertificateLog.Ready(logger, _identity.Name, attributeMap, _defaultRoles.Count == 0 ? "none" : string.Join(", ", _defaultRoles));
        if (revocation is not null)
        {
            CertificateLog.CrlLoaded(logger, revocation.FilePath, revocation.Lists.Count, revocation.RevokedCount, revocation.StaleMode);
            foreach (string subject in revocation.UncoveredCas)
            {
                CertificateLog.CaWithoutCrl(logger, revocation.FilePath, subject);
            }
        }
    }

    /// <summary>The client CRLs, when configured; the engine reloads them and checks live connections.</summary>
    public CertificateRevocationStore? Revocation { get; }

    /// <summary>Problems with <paramref name="options"/>, one line each naming the setting; empty when valid.</summary>
    public static IReadOnlyList<string> Validate(CertificateOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (!CertificateField.TryParse(options.Identity, out CertificateField? identity) || (identity!.Name != "CN" && !identity.IsSubjectAlternativeName))
        {
            errors.Add($"Broker:Security:Certificates:Identity must be CN, SAN:DNS, SAN:URI or SAN:EMAIL, not '{options.Identity}'");
        }

        foreach ((string name, string field) in options.EffectiveAttributes)
        {
            if (!UserNames.IsValidAttributeKey(name))
            {
                errors.Add($"Broker:Security:Certificates:Attributes: '{name}' is not a valid attribute name (lower-case letters, digits, '_', '-', starting with a letter)");
            }

            if (!CertificateField.TryParse(field, out _))
            {
                errors.Add($"Broker:Security:Certificates:Attributes:{name}: unknown certificate field '{field}' (expected one of {CertificateField.KnownNames})");
            }
        }

        foreach (string role in options.DefaultRoles)
        {
            if (!UserNames.IsValidRole(role))
            {
                errors.Add($"Broker:Security:Certificates:DefaultRoles: '{role}' is not a valid role name (letters, digits, '.', '_', '-')");
            }
        }

        return errors;
    }

    /// <summary>
    /// The principal <paramref name="certificate"/> stands for, or <see cref="AuthenticationOutcome.NotAuthorized"/> with
    /// <see cref="AuthenticationResult.Detail"/> saying why. <see cref="AuthenticationResult.ExpiresAt"/> is the
    /// certificate's end of validity.
    /// </summary>
    public AuthenticationResult Authenticate(X509Certificate2 certificate, string connectionId, EndPoint? remote)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        DateTimeOffset now = _time.GetUtcNow();
        var notAfter = new DateTimeOffset(certificate.NotAfter).ToUniversalTime();
        if (now > notAfter || now < new DateTimeOffset(certificate.NotBefore))
        {
            return Refuse(certificate, connectionId, remote, $"outside its validity period (until {notAfter:yyyy-MM-ddTHH:mm:ssZ})");
        }

        if (Revocation?.CheckWithIssuers(certificate, now) is { } revoked)
        {
            return Refuse(certificate, connectionId, remote, revoked);
        }

        List<string> names;
        try
        {
            names = _identity.Read(certificate);
        }
        catch (CryptographicException ex)
        {
            return Refuse(certificate, connectionId, remote, ex.Message);
        }

        if (names.Count == 0)
        {
            return Refuse(certificate, connectionId, remote, $"it has no {_identity.Name} to take the identity from (Broker:Security:Certificates:Identity)");
        }

        if (!_identity.IsSubjectAlternativeName && names.Count > 1)
        {
            // Which of several CNs names the holder is a matter of convention; an ambiguous identity is refused.
            return Refuse(certificate, connectionId, remote, $"its subject has {names.Count} CN attributes; the identity would be ambiguous");
        }

        string name = names[0];
        if (!UserNames.IsValidName(name))
        {
            return Refuse(certificate, connectionId, remote, $"its {_identity.Name} is not a usable name (1 to {UserNames.MaximumNameLength} characters, no control characters)");
        }

        AuthenticationLog.RefreshUsers(_logger, _users);

        StoredUser? entry = _users.Find(name);
        if (entry is { IsCertificate: false })
        {
            // A certificate must not inherit a password user's roles, nor its {username} topics.
            return Refuse(certificate, connectionId, remote, $"its identity '{name}' is a password user in the users file, not a certificate entry");
        }

        WarnIfUnusable(connectionId, "identity", name, certificate);
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string key, CertificateField field) in _attributes)
        {
            List<string> values;
            try
            {
                values = field.Read(certificate);
            }
            catch (CryptographicException ex)
            {
                return Refuse(certificate, connectionId, remote, ex.Message);
            }

            if (values.Count > 0)
            {
                attributes[key] = values[0];
                WarnIfUnusable(connectionId, $"attribute '{key}'", values[0], certificate);
            }
        }

        if (entry is not null)
        {
            foreach ((string key, string value) in entry.Attributes)
            {
                attributes[key] = value;
            }
        }

        IReadOnlyList<string> roles = entry?.Roles ?? _defaultRoles;
        var principal = new Principal(name, PrincipalKind.Certificate, roles, attributes);
        CertificateLog.Succeeded(
            _logger,
            connectionId,
            remote,
            name,
            certificate.Subject,
            certificate.SerialNumber,
            certificate.Issuer,
            notAfter,
            entry is null ? "; no users file entry, default roles" : "; users file entry");
        return AuthenticationResult.Success(principal, notAfter);
    }

    // Validated above: every configured field parses.
    private static CertificateField Field(string text) =>
        CertificateField.TryParse(text, out CertificateField? field) ? field! : throw new ArgumentException($"unknown certificate field '{text}'", nameof(text));

    private void WarnIfUnusable(string connectionId, string what, string value, X509Certificate2 certificate)
    {
        if (value.IndexOfAny(UnusableInPlaceholders) >= 0)
        {
            CertificateLog.UnusableValue(_logger, connectionId, what, value.Replace("\0", "\\0", StringComparison.Ordinal), certificate.Subject);
        }
    }

    private AuthenticationResult Refuse(X509Certificate2 certificate, string connectionId, EndPoint? remote, string why)
    {
        CertificateLog.Refused(_logger, connectionId, remote, certificate.Subject, certificate.SerialNumber, certificate.Issuer, why);
        return new AuthenticationResult(AuthenticationOutcome.NotAuthorized, null) { Detail = $"client certificate {certificate.Subject} (serial {certificate.SerialNumber}): {why}" };
    }
}
