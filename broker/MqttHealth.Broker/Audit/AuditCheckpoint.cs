using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace MqttHealth.Broker.Audit;

/// <summary>
/// A signed tree head: the Merkle root over the first <paramref name="TreeSize"/> records at <paramref name="Time"/>.
/// The signature is ECDSA P-256 over SHA-256 of <see cref="SignedBytes"/>, DER encoded (what openssl produces and checks).
/// </summary>
public sealed record AuditCheckpoint(long TreeSize, string RootHex, DateTimeOffset Time, string SignatureBase64)
{
    private const string Magic = "mqtthealth-audit-checkpoint-v1";

    /// <summary>
    /// The exact bytes signed: ASCII <c>mqtthealth-audit-checkpoint-v1\n{tree size}\n{root, lower-case hex}\n{time, Unix ms}\n</c>,
    /// integers in decimal without leading zeros.
    /// </summary>
    public static byte[] SignedBytes(long treeSize, ReadOnlySpan<byte> root, long timeUnixMs) =>
        Encoding.ASCII.GetBytes(string.Create(
            CultureInfo.InvariantCulture,
            $"{Magic}\n{treeSize}\n{Convert.ToHexStringLower(root)}\n{timeUnixMs}\n"));

    internal static AuditCheckpoint Sign(ECDsa key, long treeSize, byte[] root, DateTimeOffset time)
    {
        var ms = time.ToUnixTimeMilliseconds();
        var signature = key.SignData(SignedBytes(treeSize, root, ms), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        return new AuditCheckpoint(treeSize, Convert.ToHexStringLower(root), DateTimeOffset.FromUnixTimeMilliseconds(ms), Convert.ToBase64String(signature));
    }

    internal byte[] Root => Convert.FromHexString(RootHex);

    internal byte[] Signature => Convert.FromBase64String(SignatureBase64);

    internal bool VerifySignature(ECDsa publicKey)
    {
        try
        {
            return publicKey.VerifyData(SignedBytes(TreeSize, Root, Time.ToUnixTimeMilliseconds()), Signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException)
        {
            return false;
        }
    }
}
