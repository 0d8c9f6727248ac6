using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MqttHealth.Broker.Options;

namespace MqttHealth.Broker.Security.Authentication;

/// <summary>
/// The client CRL file (<c>Broker:Tls:ClientCrlFile</c>): one or more CRLs, each issued and signed by a CA of the
/// client CA file, read at start and re-read when the file changes. Answers whether a client certificate (or a CA
/// above it) is revoked. Thread-safe: checks read an immutable snapshot.
/// </summary>
/// <remarks>
/// <para>The file is PEM (one or more <c>-----BEGIN X509 CRL-----</c> blocks, nothing else) or DER (one or more
/// CRLs back to back). Every CRL must parse (<see cref="CertificateRevocationList"/>), name a CA of the client CA
/// file as its issuer, and verify with that CA's public key; otherwise the whole file is refused: at start that is a
/// configuration error, at a reload the last good set stays in force. Where the file has several CRLs from one CA,
/// the newest (latest thisUpdate) is used.</para>
/// <para>A certificate is checked against the CRL of its issuer. A certificate whose issuer has no CRL in the file is
/// not covered (the start-up log names such CAs). A CRL past its nextUpdate is stale: with
/// <see cref="CrlStaleMode.Refuse"/> (the default) every certificate it covers is refused until a fresh CRL is
/// installed; with <see cref="CrlStaleMode.Accept"/> the stale list is still applied.</para>
/// </remarks>
public sealed class CertificateRevocationStore
{
    private const int MaximumChainDepth = 8;

    private readonly Lock _staleLock = new();
    private readonly Dictionary<string, X509Certificate2[]> _casBySubject;
    private readonly ReloadableFile<Snapshot, CertificateRevocationException> _file;
    private readonly HashSet<CertificateRevocationList> _reportedStale = [];

    private CertificateRevocationStore(string path, CrlStaleMode staleMode, Dictionary<string, X509Certificate2[]> casBySubject)
    {
        StaleMode = staleMode;
        _casBySubject = casBySubject;
        _file = new ReloadableFile<Snapshot, CertificateRevocationException>(path, file => Read(file, casBySubject));
    }

    public string FilePath => _file.FilePath;

    public CrlStaleMode StaleMode { get; }

    /// <summary>The CRLs in force, one per issuing CA.</summary>
    public IReadOnlyList<CertificateRevocationList> Lists => _file.Current.Lists;

    /// <summary>Revoked serial numbers in all the CRLs in force.</summary>
    public int RevokedCount => _file.Current.RevokedCount;

    /// <summary>Why the last <see cref="Refresh"/> failed (one line), or null.</summary>
    public string? LastError => _file.LastError;

    /// <summary>Subjects of the CA file's certificates no CRL in force covers the certificates of.</summary>
    public IReadOnlyList<string> UncoveredCas =>
        [.. _casBySubject.Where(pair => !_file.Current.ByIssuer.ContainsKey(pair.Key)).Select(pair => pair.Value[0].Subject)];

    /// <summary>
    /// Reads <paramref name="path"/> against the CA certificates <paramref name="caCertificates"/>. Throws
    /// <see cref="CertificateRevocationException"/> (one line naming the file) when the file cannot be read or a CRL
    /// does not parse, is not from a configured CA, or does not verify.
    /// </summary>
    public static CertificateRevocationStore Load(string path, IEnumerable<X509Certificate2> caCertificates, CrlStaleMode staleMode)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(caCertificates);
        string full = Path.GetFullPath(path);
        Dictionary<string, X509Certificate2[]> cas = caCertificates
            .GroupBy(ca => NameKey(ca.SubjectName), StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => group.ToArray(), StringComparer.Ordinal);
        return new CertificateRevocationStore(full, staleMode, cas);
    }

    /// <summary>Re-reads the file when its last-write time or length changed since the last read. Thread-safe.</summary>
    public FileRefresh Refresh() => _file.Refresh();

    /// <summary>
    /// Why <paramref name="certificate"/> must be refused: its serial is on its issuer's CRL, or that CRL is stale and
    /// <see cref="StaleMode"/> is <see cref="CrlStaleMode.Refuse"/>. Null when it may be used.
    /// </summary>
    public string? Check(X509Certificate2 certificate, DateTimeOffset now) => Check(certificate, now, staleRefuses: StaleMode == CrlStaleMode.Refuse);

    private string? Check(X509Certificate2 certificate, DateTimeOffset now, bool staleRefuses)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (!_file.Current.ByIssuer.TryGetValue(NameKey(certificate.IssuerName), out CertificateRevocationList? crl))
        {
            return null;
        }

        if (crl.Revokes(CertificateRevocationList.SerialKey(certificate)))
        {
            return $"certificate serial {certificate.SerialNumber} ({certificate.Subject}) is revoked by the CRL of {crl.Issuer.Name}";
        }

        if (staleRefuses && crl.IsStale(now))
        {
            return $"the CRL of {crl.Issuer.Name} is past its next update ({crl.NextUpdate:yyyy-MM-ddTHH:mm:ssZ}) and Broker:Tls:ClientCrlStale is Refuse";
        }

        return null;
    }

    /// <summary>
    /// <see cref="Check(X509Certificate2, DateTimeOffset)"/> for <paramref name="certificate"/> and each CA above it found in the client CA file, up to
    /// (not including) a self-signed root. Used where only the leaf is at hand (CONNECT, a reload's look at live
    /// connections); the TLS handshake checks the chain it built. With <paramref name="revokedOnly"/>, a stale CRL
    /// refuses nothing (a reload's look at live connections: they were accepted against a fresh list).
    /// </summary>
    public string? CheckWithIssuers(X509Certificate2 certificate, DateTimeOffset now, bool revokedOnly = false)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        X509Certificate2 current = certificate;
        for (int depth = 0; depth < MaximumChainDepth && !IsSelfIssued(current); depth++)
        {
            if (Check(current, now, staleRefuses: !revokedOnly && StaleMode == CrlStaleMode.Refuse) is { } reason)
            {
                return reason;
            }

            if (!_casBySubject.TryGetValue(NameKey(current.IssuerName), out X509Certificate2[]? issuers))
            {
                return null;
            }

            current = issuers[0];
        }

        return null;
    }

    /// <summary>CRLs in force that have gone past their next update since the last call (each reported once).</summary>
    public IReadOnlyList<CertificateRevocationList> TakeNewlyStale(DateTimeOffset now)
    {
        List<CertificateRevocationList>? stale = null;
        Snapshot snapshot = _file.Current;
        lock (_staleLock)
        {
            foreach (CertificateRevocationList crl in snapshot.Lists)
            {
                if (crl.IsStale(now) && _reportedStale.Add(crl))
                {
                    (stale ??= []).Add(crl);
                }
            }

            _reportedStale.IntersectWith(snapshot.Lists);
        }

        return stale ?? (IReadOnlyList<CertificateRevocationList>)[];
    }

    private static bool IsSelfIssued(X509Certificate2 certificate) =>
        certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData);

    private static string NameKey(X500DistinguishedName name) => Convert.ToHexString(name.RawData);

    private static Snapshot Read(string path, Dictionary<string, X509Certificate2[]> cas)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CertificateRevocationException($"client CRL file '{path}' cannot be read: {OneLine(ex.Message)}", ex);
        }

        List<ReadOnlyMemory<byte>> blocks;
        try
        {
            blocks = Split(bytes);
        }
        catch (FormatException ex)
        {
            throw new CertificateRevocationException($"client CRL file '{path}': {ex.Message}", ex);
        }

        var byIssuer = new Dictionary<string, CertificateRevocationList>(StringComparer.Ordinal);
        for (int i = 0; i < blocks.Count; i++)
        {
            string which = blocks.Count == 1 ? "the CRL" : $"CRL {i + 1} of {blocks.Count}";
            CertificateRevocationList crl;
            try
            {
                crl = CertificateRevocationList.Parse(blocks[i]);
            }
            catch (FormatException ex)
            {
                throw new CertificateRevocationException($"client CRL file '{path}': {which} cannot be used: {ex.Message}", ex);
            }

            string key = NameKey(crl.Issuer);
            if (!cas.TryGetValue(key, out X509Certificate2[]? issuers))
            {
                throw new CertificateRevocationException($"client CRL file '{path}': {which} is issued by '{crl.Issuer.Name}', which is not a CA of Broker:Tls:ClientCaPath");
            }

            string? why = null;
            if (!issuers.Any(issuer => crl.IsSignedBy(issuer, out why)))
            {
                throw new CertificateRevocationException($"client CRL file '{path}': {which} (issuer '{crl.Issuer.Name}'): {why ?? "its signature does not verify with the CA's public key"}");
            }

            if (!byIssuer.TryGetValue(key, out CertificateRevocationList? existing) || crl.ThisUpdate > existing.ThisUpdate)
            {
                byIssuer[key] = crl;
            }
        }

        return new Snapshot(byIssuer);
    }

    /// <summary>The DER CRLs of a PEM or DER file; throws <see cref="FormatException"/>.</summary>
    private static List<ReadOnlyMemory<byte>> Split(byte[] bytes)
    {
        var blocks = new List<ReadOnlyMemory<byte>>();
        if (bytes.Length > 0 && bytes[0] == 0x30)
        {
            // DER: SEQUENCEs back to back.
            ReadOnlyMemory<byte> rest = bytes;
            while (!rest.IsEmpty)
            {
                var reader = new System.Formats.Asn1.AsnReader(rest, System.Formats.Asn1.AsnEncodingRules.DER);
                ReadOnlyMemory<byte> one;
                try
                {
                    one = reader.ReadEncodedValue();
                }
                catch (System.Formats.Asn1.AsnContentException ex)
                {
                    throw new FormatException($"CRL {blocks.Count + 1} is not valid DER ({ex.Message})", ex);
                }

                blocks.Add(one);
                rest = rest[one.Length..];
            }
        }
        else
        {
            string text = Encoding.ASCII.GetString(bytes);
            ReadOnlySpan<char> remaining = text;
            while (PemEncoding.TryFind(remaining, out PemFields fields))
            {
                ReadOnlySpan<char> label = remaining[fields.Label];
                if (!label.SequenceEqual("X509 CRL"))
                {
                    throw new FormatException($"the file holds a '{label}' PEM block; only X509 CRL blocks are allowed");
                }

                blocks.Add(Convert.FromBase64String(remaining[fields.Base64Data].ToString()));
                remaining = remaining[fields.Location.End.Value..];
            }
        }

        if (blocks.Count == 0)
        {
            throw new FormatException("no CRL found (expected PEM '-----BEGIN X509 CRL-----' blocks or DER)");
        }

        return blocks;
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();

    private sealed class Snapshot
    {
        public Snapshot(Dictionary<string, CertificateRevocationList> byIssuer)
        {
            ByIssuer = byIssuer;
            Lists = [.. byIssuer.Values];
            RevokedCount = Lists.Sum(crl => crl.Count);
        }

        public Dictionary<string, CertificateRevocationList> ByIssuer { get; }

        public IReadOnlyList<CertificateRevocationList> Lists { get; }

        public int RevokedCount { get; }
    }
}
