using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MqttHealth.Payloads.Keys;

/// <summary>
/// A parsed, signature-checked CRL of the facility CA: which serial numbers are revoked, and when the list was made and
/// must be replaced. The broker reads the same file (<c>Tls:ClientCrlFile</c>).
/// </summary>
public sealed class FacilityCrl
{
    private const string EcdsaWithSha256Oid = "1.2.840.10045.4.3.2";
    private const string CrlNumberOid = "2.5.29.20";
    private readonly HashSet<string> _revoked;

    private FacilityCrl(HashSet<string> revoked, DateTimeOffset thisUpdate, DateTimeOffset? nextUpdate, BigInteger number, byte[] der)
    {
        _revoked = revoked;
        ThisUpdate = thisUpdate;
        NextUpdate = nextUpdate;
        Number = number;
        Der = der;
    }

    public DateTimeOffset ThisUpdate { get; }

    public DateTimeOffset? NextUpdate { get; }

    /// <summary>The CRL number extension (0 when absent).</summary>
    public BigInteger Number { get; }

    /// <summary>The revoked serial numbers as upper-case hex without leading zero bytes (the form of <see cref="SerialKey(X509Certificate2)"/>).</summary>
    public IReadOnlyCollection<string> RevokedSerials => _revoked;

    /// <summary>The CRL as DER.</summary>
    public ReadOnlyMemory<byte> Der { get; }

    public bool IsRevoked(X509Certificate2 certificate) => _revoked.Contains(SerialKey(certificate));

    /// <summary>A certificate's serial number as upper-case hex without leading zero bytes.</summary>
    public static string SerialKey(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return SerialKey(certificate.SerialNumberBytes.Span);
    }

    /// <summary>Big-endian serial bytes as upper-case hex without leading zero bytes.</summary>
    public static string SerialKey(ReadOnlySpan<byte> bigEndian)
    {
        int start = 0;
        while (start < bigEndian.Length - 1 && bigEndian[start] == 0)
        {
            start++;
        }

        return Convert.ToHexString(bigEndian[start..]);
    }

    /// <summary>Reads a CRL (PEM <c>X509 CRL</c> block or DER) and checks it is signed by <paramref name="ca"/> with ECDSA-SHA256.</summary>
    public static FacilityCrl Parse(ReadOnlySpan<byte> pemOrDer, X509Certificate2 ca, string source)
    {
        ArgumentNullException.ThrowIfNull(ca);
        byte[] der = pemOrDer.ToArray();
        string text = System.Text.Encoding.ASCII.GetString(der);
        if (PemEncoding.TryFind(text, out PemFields fields))
        {
            if (text[fields.Label] != "X509 CRL")
            {
                throw new KeyException(KeyErrorKind.Malformed, $"{source}: expected an X509 CRL PEM block, found '{text[fields.Label]}'");
            }

            der = Convert.FromBase64String(text[fields.Base64Data]);
        }

        try
        {
            var reader = new AsnReader(der, AsnEncodingRules.DER);
            AsnReader certList = reader.ReadSequence();
            reader.ThrowIfNotEmpty();
            ReadOnlyMemory<byte> tbsBytes = certList.PeekEncodedValue();
            AsnReader tbs = certList.ReadSequence();
            AsnReader outerAlgorithm = certList.ReadSequence();
            string algorithm = outerAlgorithm.ReadObjectIdentifier();
            byte[] signature = certList.ReadBitString(out int unused);
            certList.ThrowIfNotEmpty();
            if (algorithm != EcdsaWithSha256Oid || unused != 0)
            {
                throw new KeyException(KeyErrorKind.Malformed, $"{source}: the CRL is not signed with ECDSA-SHA256");
            }

            using (ECDsa? key = ca.GetECDsaPublicKey())
            {
                if (key is null || !key.VerifyData(tbsBytes.Span, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence))
                {
                    throw new KeyException(KeyErrorKind.NotIssuedByCa, $"{source}: the CRL's signature does not verify with the facility CA '{ca.Subject}'");
                }
            }

            if (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
            {
                tbs.ReadInteger();
            }

            tbs.ReadSequence();
            var issuer = new X500DistinguishedName(tbs.ReadEncodedValue().Span);
            if (!issuer.RawData.AsSpan().SequenceEqual(ca.SubjectName.RawData))
            {
                throw new KeyException(KeyErrorKind.NotIssuedByCa, $"{source}: the CRL's issuer '{issuer.Name}' is not the facility CA '{ca.Subject}'");
            }

            DateTimeOffset thisUpdate = ReadTime(tbs);
            DateTimeOffset? nextUpdate = null;
            if (tbs.HasData && (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) || tbs.PeekTag().HasSameClassAndValue(Asn1Tag.GeneralizedTime)))
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
                    revoked.Add(SerialKey(entry.ReadIntegerBytes().Span));
                }
            }

            BigInteger number = BigInteger.Zero;
            var extensionsTag = new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true);
            if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(extensionsTag))
            {
                AsnReader extensions = tbs.ReadSequence(extensionsTag).ReadSequence();
                while (extensions.HasData)
                {
                    AsnReader extension = extensions.ReadSequence();
                    string oid = extension.ReadObjectIdentifier();
                    if (extension.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean))
                    {
                        extension.ReadBoolean();
                    }

                    byte[] value = extension.ReadOctetString();
                    if (oid == CrlNumberOid)
                    {
                        number = new AsnReader(value, AsnEncodingRules.DER).ReadInteger();
                    }
                }
            }

            return new FacilityCrl(revoked, thisUpdate, nextUpdate, number, der);
        }
        catch (AsnContentException ex)
        {
            throw new KeyException(KeyErrorKind.Malformed, $"{source}: not a valid CRL ({ex.Message})", ex);
        }
    }

    private static DateTimeOffset ReadTime(AsnReader reader) =>
        reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) ? reader.ReadUtcTime() : reader.ReadGeneralizedTime();
}
