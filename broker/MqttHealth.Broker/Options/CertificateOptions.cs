namespace MqttHealth.Broker.Options;

/// <summary>
/// <c>Broker:Security:Certificates</c>: how a TLS client certificate becomes a principal (docs/authentication.md,
/// "Client certificates"). A field is named <c>CN</c>, <c>O</c>, <c>OU</c>, <c>L</c>, <c>ST</c>, <c>C</c>, <c>DC</c>,
/// <c>UID</c>, <c>serialNumber</c> or <c>emailAddress</c> (a subject attribute) or <c>SAN:DNS</c>, <c>SAN:URI</c>,
/// <c>SAN:EMAIL</c> (the first subject alternative name of that type).
/// </summary>
public sealed class CertificateOptions
{
    /// <summary>The map used when <see cref="Attributes"/> is empty: facility ← O, unit ← OU, device ← CN.</summary>
    public static readonly IReadOnlyDictionary<string, string> DefaultAttributes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["facility"] = "O",
        ["unit"] = "OU",
        ["device"] = "CN",
    };

    /// <summary>Where the principal's name comes from: <c>CN</c> (default), <c>SAN:DNS</c>, <c>SAN:URI</c> or <c>SAN:EMAIL</c>.</summary>
    public string Identity { get; set; } = "CN";

    /// <summary>
    /// Attribute name (lower case) → field. Empty (not configured): <see cref="DefaultAttributes"/>. Configured, it
    /// replaces the default map as a whole; an empty field drops the attribute.
    /// </summary>
    public Dictionary<string, string> Attributes { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Roles of a certificate identity without an entry in the users file. Default: none.</summary>
    public List<string> DefaultRoles { get; set; } = [];

    /// <summary>The attribute map in force: <see cref="Attributes"/>, or the default map when none is configured; empty fields left out.</summary>
    public IReadOnlyDictionary<string, string> EffectiveAttributes =>
        Attributes.Count == 0
            ? DefaultAttributes
            : Attributes.Where(pair => !string.IsNullOrWhiteSpace(pair.Value)).ToDictionary(pair => pair.Key, pair => pair.Value.Trim(), StringComparer.Ordinal);
}
