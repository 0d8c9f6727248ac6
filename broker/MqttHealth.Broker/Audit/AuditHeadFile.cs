using System.Globalization;

namespace MqttHealth.Broker.Audit;

/*
 * audit.head: the latest checkpoint, signed, outside audit.db. Someone who truncates both the records and
 * the checkpoints table still leaves this file saying how many records there were. Written (atomically,
 * fsync'd) after the transaction that stored the checkpoint commits, so after a crash it may lag one
 * checkpoint behind the table, never run ahead of it. Five lines:
 *
 *   mqtthealth-audit-head-v1
 *   tree_size <decimal>
 *   root <64 hex digits>
 *   time_unix_ms <decimal>
 *   signature <base64 of the DER ECDSA signature over AuditCheckpoint.SignedBytes>
 */
internal static class AuditHeadFile
{
    private const string Magic = "mqtthealth-audit-head-v1";

    public static void Write(string dataDirectory, AuditCheckpoint checkpoint) =>
        AuditSigningKey.WriteAtomically(
            Path.Combine(dataDirectory, AuditFiles.Head),
            string.Create(CultureInfo.InvariantCulture, $"{Magic}\ntree_size {checkpoint.TreeSize}\nroot {checkpoint.RootHex}\ntime_unix_ms {checkpoint.Time.ToUnixTimeMilliseconds()}\nsignature {checkpoint.SignatureBase64}\n"),
            privateFile: false);

    /// <summary>The head, or null when the file does not exist.</summary>
    /// <exception cref="FormatException">The file exists but is not a head file.</exception>
    public static AuditCheckpoint? Read(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, AuditFiles.Head);
        if (!File.Exists(path))
        {
            return null;
        }

        var lines = File.ReadAllLines(path);
        if (lines.Length != 5 || lines[0] != Magic)
        {
            throw new FormatException("not a mqtthealth-audit-head-v1 file");
        }

        var size = long.Parse(Field(lines[1], "tree_size"), NumberStyles.None, CultureInfo.InvariantCulture);
        var root = Field(lines[2], "root");
        var time = long.Parse(Field(lines[3], "time_unix_ms"), NumberStyles.None, CultureInfo.InvariantCulture);
        var signature = Field(lines[4], "signature");
        return new AuditCheckpoint(size, root, DateTimeOffset.FromUnixTimeMilliseconds(time), signature);
    }

    private static string Field(string line, string name) =>
        line.StartsWith(name + " ", StringComparison.Ordinal) ? line[(name.Length + 1)..] : throw new FormatException($"expected '{name}'");
}
