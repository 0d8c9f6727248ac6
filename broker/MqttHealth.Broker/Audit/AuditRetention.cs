using Microsoft.Data.Sqlite;

namespace MqttHealth.Broker.Audit;

/*
 * Retention: only whole prefixes are pruned, and only up to a checkpoint. Pruning to checkpoint S deletes
 * records 1..S after checking that they still hash to S's signed root, and stores the frontier at S (the
 * roots of the perfect subtrees of the first S leaves, at most 64 hashes) as the base. Verification then
 * starts from that frontier, checks that it folds to S's signed root, and continues with record S+1, so
 * the remaining records stay verifiable against every later checkpoint. Checkpoints are never pruned
 * (they are small and keep the signed history of the tree's growth).
 *
 * S is the largest checkpoint such that every record up to S is older than the cutoff: the prefix ends
 * before the first record at or after the cutoff (by the record's own time).
 */
internal static class AuditRetention
{
    public static long Prune(SqliteConnection connection, DateTimeOffset cutoff)
    {
        using var transaction = connection.BeginTransaction();
        var state = AuditDatabase.ReadState(connection, transaction);
        long firstKept;
        using (var young = connection.CreateCommand())
        {
            young.Transaction = transaction;
            young.CommandText = "SELECT min(seq) FROM records WHERE time_unix_ms >= $cutoff";
            young.Parameters.AddWithValue("$cutoff", cutoff.ToUnixTimeMilliseconds());
            firstKept = young.ExecuteScalar() is long seq ? seq : state.TreeSize + 1;
        }

        byte[]? checkpointRoot = null;
        long target = 0;
        using (var checkpoint = connection.CreateCommand())
        {
            checkpoint.Transaction = transaction;
            checkpoint.CommandText = "SELECT tree_size, root FROM checkpoints WHERE tree_size < $first AND tree_size > $base ORDER BY tree_size DESC LIMIT 1";
            checkpoint.Parameters.AddWithValue("$first", firstKept);
            checkpoint.Parameters.AddWithValue("$base", state.BaseSize);
            using var reader = checkpoint.ExecuteReader();
            if (reader.Read())
            {
                target = reader.GetInt64(0);
                checkpointRoot = (byte[])reader.GetValue(1);
            }
        }

        if (checkpointRoot is null)
        {
            return 0;
        }

        var frontier = MerkleFrontier.Deserialize(state.BaseSize, state.BaseFrontier);
        using (var records = connection.CreateCommand())
        {
            records.Transaction = transaction;
            records.CommandText = "SELECT seq, record FROM records WHERE seq <= $target ORDER BY seq";
            records.Parameters.AddWithValue("$target", target);
            using var reader = records.ExecuteReader();
            while (reader.Read())
            {
                if (reader.GetInt64(0) != frontier.Size + 1)
                {
                    throw new AuditException($"Not pruning the audit log: record {frontier.Size + 1} is missing. Run 'audit verify'.");
                }

                frontier.Append(MerkleFrontier.LeafHash((byte[])reader.GetValue(1)));
            }
        }

        if (frontier.Size != target || !frontier.Root().AsSpan().SequenceEqual(checkpointRoot))
        {
            throw new AuditException($"Not pruning the audit log: records 1..{target} do not match the checkpoint at tree size {target}. Run 'audit verify'.");
        }

        AuditDatabase.Execute(connection, "DROP TRIGGER records_no_delete", transaction);
        long deleted;
        using (var delete = connection.CreateCommand())
        {
            delete.Transaction = transaction;
            delete.CommandText = "DELETE FROM records WHERE seq <= $target";
            delete.Parameters.AddWithValue("$target", target);
            deleted = delete.ExecuteNonQuery();
        }

        AuditDatabase.Execute(connection, AuditDatabase.NoDeleteTrigger, transaction);
        using (var update = connection.CreateCommand())
        {
            update.Transaction = transaction;
            update.CommandText = "UPDATE state SET base_size = $size, base_frontier = $frontier WHERE id = 1";
            update.Parameters.AddWithValue("$size", target);
            update.Parameters.AddWithValue("$frontier", frontier.Serialize());
            update.ExecuteNonQuery();
        }

        transaction.Commit();
        return deleted;
    }
}
