using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MqttHealth.Broker.Security.Authentication;

/// <summary>
/// One X.509 certificate revocation list (RFC 5280 §5), parsed with <see cref="AsnReader"/>: the issuer, this and next
/// update, the revoked serial numbers, and what is needed to verify its signature. Immutable.
/// </summary>
/// <remarks>
/// <para>Accepted: v1 and v2 CRLs, DER, signed with ECDSA (SHA-256/384/512) or RSA PKCS#1 v1.5 (SHA-256/384/512).
/// Refused: anything that does not parse as DER, another signature algorithm, a <c>signature</c> in the
/// to-be-signed part that differs from the outer <c>signatureAlgorithm</c> (RFC 5280 §5.1.1.2), and a CRL or entry
/// extension marked critical that this parser does not implement (a delta CRL indicator, an issuing distribution
/// point, an indirect CRL's certificate issuer): RFC 5280 §5.2 forbids using a CRL whose critical extension is not
/// understood.</para>
/// <para>Serial numbers are kept as upper-case hex of the INTEGER's content octets (DER makes them canonical), the form
/// <see cref="SerialKey(X509Certificate2)"/> gives a certificate's.</para>
/// </remarks>
public sealed class CertificateRevocationList
{
    private const string EcdsaSha256 = "1.2.840.10045.4.3.2";
    private const string EcdsaSha384 = "1.2.840.10045.4.3.3";
    private const string EcdsaSha512 = "1.2.840.10045.4.3.4";
    private const string RsaSha256 = "1.2.840.113549.1.1.11";
    private const string RsaSha384 = "1.2.840.113549.1.1.12";
    private const string RsaSha512 = "1.2.840.113549.1.1.13";

    private readonly byte[] _toBeSigned;
    private readonly byte[] _signature;
    private readonly HashSet<string> _revoked;

    private CertificateRevocationList(byte[] toBeSigned, string signatureAlgorithm, byte[] signature, X500DistinguishedName issuer, DateTimeOffset thisUpdate, DateTimeOffset? nextUpdate, HashSet<string> revoked)
    {
        _toBeSigned = toBeSigned;
        SignatureAlgorithm = signatureAlgorithm;
        _signature = signature;
        Issuer = issuer;
        ThisUpdate = thisUpdate;
        NextUpdate = nextUpdate;
        _revoked = revoked;
    }

    /// <summary>The CA that issued the list (its subject name).</summary>
    public X500DistinguishedName Issuer { get; }

    public DateTimeOffset ThisUpdate { get; }

    /// <summary>When the issuer promises the next list; null when the CRL has none (RFC 5280 requires it of conforming CAs).</summary>
    public DateTimeOffset? NextUpdate { get; }

    /// <summary>The signature algorithm's OID.</summary>
    public string SignatureAlgorithm { get; }

    /// <summary>How many serial numbers the list revokes.</summary>
    public int Count => _revoked.Count;

    /// <summary>Whether the list is past its next update at <paramref name="now"/>.</summary>
    public bool IsStale(DateTimeOffset now) => NextUpdate is { } next && now > next;

    /// <summary>Whether the list revokes the serial number <paramref name="serialKey"/> (<see cref="SerialKey(X509Certificate2)"/>).</summary>
    public bool Revokes(string serialKey) => _revoked.Contains(serialKey);

    /// <summary>The key a certificate's serial number has in <see cref="Revokes"/>: upper-case hex, big-endian, as encoded.</summary>
    public static string SerialKey(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return Convert.ToHexString(certificate.SerialNumberBytes.Span);
    }

    /// <summary>Parses one DER-encoded CRL. Throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static CertificateRevocationList Parse(ReadOnlyMemory<byte> der)
    {
        try
        {
            return ParseCore(der);
        }
        catch (AsnContentException ex)
        {
            throw new FormatException($"not a DER-encoded X.509 CRL ({ex.Message})", ex);
        }
        catch (CryptographicException ex)
        {
            throw new FormatException($"not a DER-encoded X.509 CRL ({ex.Message})", ex);
        }
    }

    /// <summary>
    /// Whether the list's signature verifies with <paramref name="issuer"/>'s public key. The caller has matched the
    /// names; a CA certificate with a Key Usage extension must allow CRL signing.
    /// </summary>
    public bool IsSignedBy(X509Certificate2 issuer, out string? why)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        foreach (X509Extension extension in issuer.Extensions)
        {
            if (extension is X509KeyUsageExtension usage && (usage.KeyUsages & X509KeyUsageFlags.CrlSign) == 0)
            {
                why = "the issuing CA's Key Usage does not allow CRL signing";
                return false;
            }
        }

        why = null;
        HashAlgorithmName hash = HashOf(SignatureAlgorithm);
        if (SignatureAlgorithm is EcdsaSha256 or EcdsaSha384 or EcdsaSha512)
        {
            using ECDsa? ecdsa = issuer.GetECDsaPublicKey();
            if (ecdsa is null)
            {
                why = "the CRL is signed with ECDSA but the issuing CA's key is not an EC key";
                return false;
            }

            return ecdsa.VerifyData(_toBeSigned, _signature, hash, DSASignatureFormat.Rfc3279DerSequence);
        }

        using RSA? rsa = issuer.GetRSAPublicKey();
        if (rsa is null)
        {
            why = "the CRL is signed with RSA but the issuing CA's key is not an RSA key";
            return false;
        }

        return rsa.VerifyData(_toBeSigned, _signature, hash, RSASignaturePadding.Pkcs1);
    }

    private static CertificateRevocationList ParseCore(ReadOnlyMemory<byte> der)
    {
        var outer = new AsnReader(der, AsnEncodingRules.DER);
        AsnReader certificateList = outer.ReadSequence();
        outer.ThrowIfNotEmpty();

        ReadOnlyMemory<byte> toBeSigned = certificateList.PeekEncodedValue();
        AsnReader tbs = certificateList.ReadSequence();
        string outerAlgorithm = ReadAlgorithm(certificateList);
        byte[] signature = certificateList.ReadBitString(out int unusedBits);
        certificateList.ThrowIfNotEmpty();
        if (unusedBits != 0)
        {
            throw new FormatException("the signature BIT STRING has unused bits");
        }

        // TBSCertList: version INTEGER OPTIONAL (v2 = 1), signature, issuer, thisUpdate, nextUpdate OPTIONAL,
        // revokedCertificates OPTIONAL, crlExtensions [0] EXPLICIT OPTIONAL.
        if (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
        {
            if (!tbs.TryReadInt32(out int version) || version != 1)
            {
                throw new FormatException("unsupported CRL version (expected v1 or v2)");
            }
        }

        string innerAlgorithm = ReadAlgorithm(tbs);
        if (!string.Equals(innerAlgorithm, outerAlgorithm, StringComparison.Ordinal))
        {
            throw new FormatException($"the signature algorithm inside the CRL ({innerAlgorithm}) differs from the one outside ({outerAlgorithm})");
        }

        if (!IsSupported(outerAlgorithm))
        {
            throw new FormatException($"unsupported signature algorithm {outerAlgorithm} (supported: ECDSA and RSA PKCS#1 v1.5 with SHA-256, SHA-384 or SHA-512)");
        }

        var issuer = new X500DistinguishedName(tbs.ReadEncodedValue().Span);
        DateTimeOffset thisUpdate = ReadTime(tbs);
        DateTimeOffset? nextUpdate = null;
        if (tbs.HasData && IsTime(tbs.PeekTag()))
        {
            nextUpdate = ReadTime(tbs);
        }

        var revoked = new HashSet<string>(StringComparer.Ordinal);
        if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
        {
            AsnReader entries = tbs.ReadSequence();
            while (entries.HasData)
            {
                AsnReader entry = entries.ReadSequence();
                string serial = Convert.ToHexString(entry.ReadIntegerBytes().Span);
                ReadTime(entry);
                if (entry.HasData)
                {
                    CheckExtensions(entry.ReadSequence(), $"the entry for serial {serial}");
                }

                entry.ThrowIfNotEmpty();
                revoked.Add(serial);
            }
        }

        var extensionsTag = new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true);
        if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(extensionsTag))
        {
            AsnReader explicitWrapper = tbs.ReadSequence(extensionsTag);
            CheckExtensions(explicitWrapper.ReadSequence(), "the CRL");
            explicitWrapper.ThrowIfNotEmpty();
        }

        tbs.ThrowIfNotEmpty();
        return new CertificateRevocationList(toBeSigned.ToArray(), outerAlgorithm, signature, issuer, thisUpdate, nextUpdate, revoked);
    }

    // Non-critical extensions (CRL number, authority key identifier, reason codes, invalidity dates) change nothing here.
    private static void CheckExtensions(AsnReader extensions, string where)
    {
        while (extensions.HasData)
        {
            AsnReader extension = extensions.ReadSequence();
            string oid = extension.ReadObjectIdentifier();
            bool critical = extension.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean) && extension.ReadBoolean();
            extension.ReadOctetString();
            extension.ThrowIfNotEmpty();
            if (critical)
            {
                string name = oid switch
                {
                    "2.5.29.27" => "delta CRL indicator",
                    "2.5.29.28" => "issuing distribution point",
                    "2.5.29.29" => "certificate issuer (indirect CRL)",
                    _ => oid,
                };
                throw new FormatException($"{where} has a critical extension the broker does not implement ({name}); RFC 5280 forbids using such a CRL");
            }
        }
    }

    private static string ReadAlgorithm(AsnReader reader)
    {
        AsnReader algorithm = reader.ReadSequence();
        string oid = algorithm.ReadObjectIdentifier();

        // RSA PKCS#1 has NULL parameters (or, rarely, none); ECDSA has none.
        if (algorithm.HasData)
        {
            algorithm.ReadNull();
        }

        algorithm.ThrowIfNotEmpty();
        return oid;
    }

    private static bool IsTime(Asn1Tag tag) => tag.HasSameClassAndValue(Asn1Tag.UtcTime) || tag.HasSameClassAndValue(Asn1Tag.GeneralizedTime);

    private static DateTimeOffset ReadTime(AsnReader reader) =>
        reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) ? reader.ReadUtcTime() : reader.ReadGeneralizedTime();

    private static bool IsSupported(string oid) => oid is EcdsaSha256 or EcdsaSha384 or EcdsaSha512 or RsaSha256 or RsaSha384 or RsaSha512;

    private static HashAlgorithmName HashOf(string oid) => oid switch
    {
        EcdsaSha256 or RsaSha256 => HashAlgorithmName.SHA256,
        EcdsaSha384 or RsaSha384 => HashAlgorithmName.SHA384,
        _ => HashAlgorithmName.SHA512,
    };
}
