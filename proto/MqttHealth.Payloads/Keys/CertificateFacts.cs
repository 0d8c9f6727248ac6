using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MqttHealth.Payloads.Keys;

/// <summary>
/// What an identity certificate says about its holder: the principal name (CN, which the SAN URI
/// <c>urn:mqtthealth:{role}:{name}</c> repeats), the role (from that URI), facility (O) and unit (OU), and the key id.
/// </summary>
public sealed record CertificateFacts(string Name, KeyRole Role, string Facility, string? Unit, string KeyId)
{
    private const string CommonNameOid = "2.5.4.3";
    private const string OrganizationOid = "2.5.4.10";
    private const string OrganizationalUnitOid = "2.5.4.11";
    private const string SubjectAltNameOid = "2.5.29.17";
    private const string UrnPrefix = "urn:mqtthealth:";

    /// <summary>
    /// Reads the facts of an identity certificate issued by <see cref="FacilityCa"/>: a P-256 key, exactly one CN, one O,
    /// at most one OU, and a SAN URI <c>urn:mqtthealth:{role}:{CN}</c>. Throws <see cref="KeyException"/>
    /// (<see cref="KeyErrorKind.WrongUsage"/>) naming what is missing.
    /// </summary>
    public static CertificateFacts Read(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        string subject = certificate.Subject;
        using (ECDsa? key = certificate.GetECDsaPublicKey())
        {
            if (key is null || key.KeySize != 256)
            {
                throw new KeyException(KeyErrorKind.WrongUsage, $"certificate '{subject}': not a P-256 ECDSA key");
            }
        }

        string? name = null, facility = null, unit = null;
        foreach (X500RelativeDistinguishedName rdn in certificate.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            if (rdn.HasMultipleElements)
            {
                continue;
            }

            string? value = rdn.GetSingleElementValue();
            switch (rdn.GetSingleElementType().Value)
            {
                case CommonNameOid:
                    name = name is null ? value : throw new KeyException(KeyErrorKind.WrongUsage, $"certificate '{subject}': more than one CN");
                    break;
                case OrganizationOid:
                    facility = facility is null ? value : throw new KeyException(KeyErrorKind.WrongUsage, $"certificate '{subject}': more than one O");
                    break;
                case OrganizationalUnitOid:
                    unit = unit is null ? value : throw new KeyException(KeyErrorKind.WrongUsage, $"certificate '{subject}': more than one OU");
                    break;
            }
        }

        if (!PrincipalNames.IsValid(name))
        {
            throw new KeyException(KeyErrorKind.WrongUsage, $"certificate '{subject}': no valid CN (the principal name)");
        }

        if (!PrincipalNames.IsValid(facility))
        {
            throw new KeyException(KeyErrorKind.WrongUsage, $"certificate '{subject}': no valid O (the facility)");
        }

        KeyRole? role = null;
        foreach (string uri in SubjectAlternativeUris(certificate))
        {
            if (!uri.StartsWith(UrnPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            string rest = uri[UrnPrefix.Length..];
            int colon = rest.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && KeyRoles.TryParse(rest[..colon], out KeyRole parsed) && string.Equals(rest[(colon + 1)..], name, StringComparison.Ordinal))
            {
                role = role is null ? parsed : throw new KeyException(KeyErrorKind.WrongUsage, $"certificate '{subject}': more than one urn:mqtthealth SAN URI");
            }
        }

        if (role is null)
        {
            throw new KeyException(KeyErrorKind.WrongUsage, $"certificate '{subject}': no SAN URI urn:mqtthealth:{{role}}:{name}");
        }

        return new CertificateFacts(name!, role.Value, facility!, unit, KeyIds.Of(certificate));
    }

    /// <summary>The uniformResourceIdentifier entries of the certificate's subject alternative name extension.</summary>
    public static IReadOnlyList<string> SubjectAlternativeUris(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var uris = new List<string>();
        foreach (X509Extension extension in certificate.Extensions)
        {
            if (extension.Oid?.Value != SubjectAltNameOid)
            {
                continue;
            }

            try
            {
                var reader = new AsnReader(extension.RawData, AsnEncodingRules.DER);
                AsnReader names = reader.ReadSequence();
                var uriTag = new Asn1Tag(TagClass.ContextSpecific, 6);
                while (names.HasData)
                {
                    if (names.PeekTag().HasSameClassAndValue(uriTag))
                    {
                        uris.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, uriTag));
                    }
                    else
                    {
                        names.ReadEncodedValue();
                    }
                }
            }
            catch (AsnContentException ex)
            {
                throw new KeyException(KeyErrorKind.Malformed, $"certificate '{certificate.Subject}': its subject alternative name does not parse", ex);
            }
        }

        return uris;
    }
}

/// <summary>Key ids: the first 8 bytes of SHA-256 of the key's DER SubjectPublicKeyInfo, as 16 lower-case hex digits.</summary>
public static class KeyIds
{
    public const int Length = 8;

    public static string Of(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return Of(certificate.PublicKey.ExportSubjectPublicKeyInfo());
    }

    public static string Of(ReadOnlySpan<byte> subjectPublicKeyInfo)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(subjectPublicKeyInfo, hash);
        return Convert.ToHexStringLower(hash[..Length]);
    }
}
