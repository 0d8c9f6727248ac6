using Microsoft.Data.Sqlite;

namespace MqttHealth.Broker.Audit;

/*
 * Re-derives everything from the stored record bytes and checks it against what was signed. In sequence
 * order, for every record: the sequence follows on (no gap), the bytes are a canonical record, the leaf
 * hash and the stored tree root ("chain") match what the bytes give, and whenever the tree reaches a
 * checkpoint's size, the checkpoint's signature verifies and its root is the recomputed root. After the
 * last record: no checkpoint and no audit.head may claim more records than are present. The first problem
 * found is reported and verification stops there. docs/audit.md lists what this does and cannot detect.
 */
public static class AuditVerifier
{
    /// <summary>Verifies the audit trail in <paramref name="dataDirectory"/> (read-only; safe while the broker runs).</summary>
    /// <param name="dataDirectory">The broker's data directory.</param>
    /// <param name="publicKeyPath">The public key to check signatures with; by default the one in the data directory. An auditor should pass their own copy.</param>
    public static AuditVerification Verify(string dataDirectory, string? publicKeyPath = null)
    {
        publicKeyPath ??= Path.Combine(dataDirectory, AuditFiles.PublicKey);
        try
        {
            using var key = AuditSigningKey.LoadPublic(publicKeyPath);
            using var connection = AuditDatabase.Open(Path.Combine(dataDirectory, AuditFiles.Database), readOnly: true);
            return new Walk(connection, key, dataDirectory).Run();
        }
        catch (AuditException ex)
        {
            return new AuditVerification(false, 0, 0, 0, 0, null, null, ex.Message);
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException or FormatException or InvalidCastException)
        {
            return new AuditVerification(false, 0, 0, 0, 0, null, null, $"the audit log cannot be read: {ex.Message}");
        }
    }

    private sealed class Walk(SqliteConnection connection, System.Security.Cryptography.ECDsa key, string dataDirectory)
    {
        private List<AuditCheckpoint> _checkpoints = [];
        private long _base;
        private long _lastGoodCheckpoint;
        private MerkleFrontier _frontier = new();

        public AuditVerification Run()
        {
            var state = AuditDatabase.ReadState(connection);
            _checkpoints = AuditDatabase.ReadCheckpoints(connection);
            _base = state.BaseSize;
            _lastGoodCheckpoint = _base;
            try
            {
                _frontier = MerkleFrontier.Deserialize(state.BaseSize, state.BaseFrontier);
            }
            catch (FormatException ex)
            {
                return Fail(_base + 1, null, $"the stored frontier of the pruned prefix is malformed ({ex.Message})");
            }

            var next = 0;
            for (; next < _checkpoints.Count && _checkpoints[next].TreeSize < _base; next++)
            {
                if (!_checkpoints[next].VerifySignature(key))
                {
                    return Fail(null, _checkpoints[next].TreeSize, SignatureProblem(_checkpoints[next]));
                }
            }

            if (_base > 0)
            {
                if (next >= _checkpoints.Count || _checkpoints[next].TreeSize != _base)
                {
                    return Fail(_base + 1, _base, $"records 1..{_base} were pruned, but there is no checkpoint at tree size {_base} to resume from");
                }

                if (CheckCheckpoint(_checkpoints[next++]) is { } baseProblem)
                {
                    return baseProblem;
                }
            }

            using (var command = connection.CreateCommand())
            {
                command.CommandText = "SELECT seq, time_unix_ms, record, leaf, root FROM records ORDER BY seq";
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    var seq = reader.GetInt64(0);
                    var expected = _frontier.Size + 1;
                    if (seq != expected)
                    {
                        return seq > expected
                            ? Fail(expected, null, seq == expected + 1 ? $"record {expected} is missing (deleted)" : $"records {expected}..{seq - 1} are missing (deleted)")
                            : Fail(seq, null, $"record {seq} is present although records through {_base} were pruned (inserted)");
                    }

                    var bytes = (byte[])reader.GetValue(2);
                    AuditRecord record;
                    try
                    {
                        record = AuditRecordEncoding.Decode(bytes);
                    }
                    catch (FormatException ex)
                    {
                        return Fail(seq, null, $"its bytes are not a canonical audit record ({ex.Message}): modified or forged");
                    }

                    var leaf = MerkleFrontier.LeafHash(bytes);
                    if (!leaf.AsSpan().SequenceEqual((byte[])reader.GetValue(3)))
                    {
                        return Fail(seq, null, "its bytes do not match its stored leaf hash: the record was modified");
                    }

                    _frontier.Append(leaf);
                    if (!_frontier.Root().AsSpan().SequenceEqual((byte[])reader.GetValue(4)))
                    {
                        return Fail(seq, null, "the tree root after it does not match the stored chain: a record was inserted, deleted or moved at this position");
                    }

                    if (reader.GetInt64(1) != record.Time.ToUnixTimeMilliseconds())
                    {
                        return Fail(seq, null, "its time column differs from the time in its bytes: the row was modified");
                    }

                    while (next < _checkpoints.Count && _checkpoints[next].TreeSize == _frontier.Size)
                    {
                        if (CheckCheckpoint(_checkpoints[next++]) is { } problem)
                        {
                            return problem;
                        }
                    }
                }
            }

            var size = _frontier.Size;
            if (next < _checkpoints.Count)
            {
                var claim = _checkpoints[next];
                return Fail(size + 1, claim.TreeSize, $"the checkpoint at tree size {claim.TreeSize} (signed {claim.Time:O}) covers records up to {claim.TreeSize}, but the log ends at {size}: records {size + 1}..{claim.TreeSize} were removed (truncated)");
            }

            return CheckHead(size) ?? new AuditVerification(true, size - _base, _base, size, _checkpoints.Count, null, null, null);
        }

        private AuditVerification? CheckCheckpoint(AuditCheckpoint checkpoint)
        {
            if (!checkpoint.VerifySignature(key))
            {
                return Fail(null, checkpoint.TreeSize, SignatureProblem(checkpoint));
            }

            if (!checkpoint.RootHex.Equals(Convert.ToHexStringLower(_frontier.Root()), StringComparison.Ordinal))
            {
                return Fail(
                    _lastGoodCheckpoint + 1,
                    checkpoint.TreeSize,
                    $"records {_lastGoodCheckpoint + 1}..{checkpoint.TreeSize} do not hash to the signed root of the checkpoint at tree size {checkpoint.TreeSize}: " +
                    "at least one of them was changed, inserted, removed or moved, and the stored hashes were rewritten to match");
            }

            _lastGoodCheckpoint = checkpoint.TreeSize;
            return null;
        }

        private AuditVerification? CheckHead(long size)
        {
            AuditCheckpoint? head;
            try
            {
                head = AuditHeadFile.Read(dataDirectory);
            }
            catch (FormatException ex)
            {
                return Fail(null, null, $"{AuditFiles.Head} is malformed ({ex.Message})");
            }

            if (head is null)
            {
                return _checkpoints.Count == 0 ? null : Fail(null, null, $"{AuditFiles.Head} is missing although the log has checkpoints: it was deleted");
            }

            if (!head.VerifySignature(key))
            {
                return Fail(null, head.TreeSize, $"the signature of {AuditFiles.Head} (tree size {head.TreeSize}) does not verify with the public key");
            }

            if (head.TreeSize > size)
            {
                return Fail(size + 1, head.TreeSize, $"{AuditFiles.Head} (signed {head.Time:O}) says the log held {head.TreeSize} records, but it ends at {size}: records {size + 1}..{head.TreeSize} and their checkpoints were removed (truncated)");
            }

            var stored = _checkpoints.Find(c => c.TreeSize == head.TreeSize);
            if (head.TreeSize >= _base && (stored is null || stored.RootHex != head.RootHex))
            {
                return Fail(null, head.TreeSize, $"the checkpoint at tree size {head.TreeSize} recorded in {AuditFiles.Head} is missing from, or differs from, the checkpoints table");
            }

            return null;
        }

        private static string SignatureProblem(AuditCheckpoint checkpoint) =>
            $"the signature of the checkpoint at tree size {checkpoint.TreeSize} (signed {checkpoint.Time:O}) does not verify with the public key: the checkpoint was modified or forged";

        private AuditVerification Fail(long? sequence, long? checkpoint, string problem) =>
            new(false, Math.Max(0, _frontier.Size - _base), _base, _frontier.Size, _checkpoints.Count, sequence, checkpoint, problem);
    }
}
