using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MqttHealth.Broker.Security.Authentication;

/// <summary>
/// A field of a client certificate that a principal's name or attribute is read from: a subject attribute
/// (<c>CN</c>, <c>O</c>, <c>OU</c>, ...) or the first subject alternative name of a type (<c>SAN:DNS</c>,
/// <c>SAN:URI</c>, <c>SAN:EMAIL</c>). Parsed from configuration once; reading allocates only the values found.
/// </summary>
public sealed class CertificateField
{
    private const string SubjectAlternativeNameOid = "2.5.29.17";

    private static readonly Dictionary<string, string> SubjectOids = new(StringComparer.OrdinalIgnoreCase)
    {
        ["CN"] = "2.5.4.3",
        ["O"] = "2.5.4.10",
        ["OU"] = "2.5.4.11",
        ["L"] = "2.5.4.7",
        ["ST"] = "2.5.4.8",
        ["C"] = "2.5.4.6",
        ["serialNumber"] = "2.5.4.5",
        ["DC"] = "0.9.2342.19200300.100.1.25",
        ["UID"] = "0.9.2342.19200300.100.1.1",
        ["emailAddress"] = "1.2.840.113549.1.9.1",
    };

    private static readonly Dictionary<string, int> SanTags = new(StringComparer.OrdinalIgnoreCase)
    {
        ["SAN:EMAIL"] = 1, // rfc822Name
        ["SAN:DNS"] = 2, // dNSName
        ["SAN:URI"] = 6, // uniformResourceIdentifier
    };

    private readonly string? _oid;
    private readonly int _sanTag;

    private CertificateField(string name, string? oid, int sanTag)
    {
        Name = name;
        _oid = oid;
        _sanTag = sanTag;
    }

    /// <summary>The field as configured, in its canonical spelling (<c>CN</c>, <c>SAN:URI</c>, ...).</summary>
    public string Name { get; }

    /// <summary>Whether this is a subject alternative name type rather than a subject attribute.</summary>
    public bool IsSubjectAlternativeName => _oid is null;

    /// <summary>Every field name <see cref="TryParse"/> accepts, for error messages.</summary>
    public static string KnownNames => string.Join(", ", SubjectOids.Keys.Concat(SanTags.Keys));

    public static bool TryParse(string? text, out CertificateField? field)
    {
        field = null;
        string name = text?.Trim() ?? string.Empty;
        if (SubjectOids.TryGetValue(name, out string? oid))
        {
            field = new CertificateField(SubjectOids.Keys.First(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase)), oid, 0);
        }
        else if (SanTags.TryGetValue(name, out int tag))
        {
            field = new CertificateField(name.ToUpperInvariant(), null, tag);
        }

        return field is not null;
    }

    /// <summary>
    /// The values of this field in <paramref name="certificate"/>, in the order they are encoded (subject attributes:
    /// most significant first, as in the DER; SANs: as listed). Empty when there is none. Throws
    /// <see cref="CryptographicException"/> when the subject or the SAN extension is malformed.
    /// </summary>
    public List<string> Read(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var values = new List<string>(1);
        try
        {
            if (_oid is not null)
            {
                ReadSubject(certificate.SubjectName.RawData, _oid, values);
            }
            else
            {
                foreach (X509Extension extension in certificate.Extensions)
                {
                    if (extension.Oid?.Value == SubjectAlternativeNameOid)
                    {
                        ReadSubjectAlternativeNames(extension.RawData, _sanTag, values);
                    }
                }
            }
        }
        catch (AsnContentException ex)
        {
            throw new CryptographicException($"the certificate's {(_oid is null ? "subject alternative name" : "subject")} is malformed: {ex.Message}", ex);
        }

        return values;
    }

    public override string ToString() => Name;

    // Name ::= SEQUENCE OF RelativeDistinguishedName; RDN ::= SET OF AttributeTypeAndValue { type OID, value ANY }.
    private static void ReadSubject(byte[] name, string oid, List<string> values)
    {
        var rdns = new AsnReader(name, AsnEncodingRules.DER).ReadSequence();
        while (rdns.HasData)
        {
            AsnReader rdn = rdns.ReadSetOf();
            while (rdn.HasData)
            {
                AsnReader attribute = rdn.ReadSequence();
                if (attribute.ReadObjectIdentifier() == oid)
                {
                    values.Add(ReadDirectoryString(attribute));
                }
            }
        }
    }

    private static string ReadDirectoryString(AsnReader reader)
    {
        Asn1Tag tag = reader.PeekTag();
        if (tag.TagClass == TagClass.Universal)
        {
            switch ((UniversalTagNumber)tag.TagValue)
            {
                case UniversalTagNumber.UTF8String:
                case UniversalTagNumber.PrintableString:
                case UniversalTagNumber.IA5String:
                case UniversalTagNumber.BMPString:
                case UniversalTagNumber.T61String:
                case UniversalTagNumber.VisibleString:
                case UniversalTagNumber.NumericString:
                    return reader.ReadCharacterString((UniversalTagNumber)tag.TagValue);
            }
        }

        throw new AsnContentException($"an attribute value of type {tag} is not a string the broker reads");
    }

    // GeneralNames ::= SEQUENCE OF GeneralName; rfc822Name [1], dNSName [2] and uniformResourceIdentifier [6] are IA5String.
    private static void ReadSubjectAlternativeNames(byte[] extensionValue, int tag, List<string> values)
    {
        var names = new AsnReader(extensionValue, AsnEncodingRules.DER).ReadSequence();
        var wanted = new Asn1Tag(TagClass.ContextSpecific, tag);
        while (names.HasData)
        {
            if (names.PeekTag().HasSameClassAndValue(wanted))
            {
                values.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, wanted));
            }
            else
            {
                names.ReadEncodedValue();
            }
        }
    }
}
