using Microsoft.Data.Sqlite;

namespace MqttHealth.Broker.Storage;

/*
 * Reads what is still readable from one table of a damaged database, for the recover command.
 *
 * Rows are read in rowid order (a rowid table is a B-tree keyed by rowid; the scan touches no index, so a
 * damaged index costs nothing). When a step fails (SQLITE_CORRUPT on a damaged leaf or overflow page) the
 * scan has read everything below some rowid r. The next readable rowid is found by seeking: a query
 * "rowid >= k" descends from the root to the leaf that would hold k, so it fails while k falls in the
 * damaged leaf and succeeds once k is past it. Probing r+1, r+2, r+4, ... finds a k that works, a binary
 * search between the last failing and the first working probe finds the smallest one, and the scan goes
 * on from there. Only the rows of the damaged pages are lost; the skipped rowid ranges are reported.
 * If the root or an interior page is damaged, every seek below it fails and that part stays lost.
 * Rows that SQLite returns but that fail StoreRows' checks (garbage on a page that still parses) are
 * counted and skipped one by one.
 */
internal static class SqliteSalvage
{
    // Bounds: damaged regions handled per table, and probes per region (doubling spans 2^64 in 64 steps;
    // the binary search takes at most another 64).
    private const int MaxRegions = 100_000;
    private const int MaxProbes = 130;

    // SQLITE_ERROR: the statement itself is wrong for this file (no such table or column).
    private const int SqliteError = 1;

    public static List<T> ReadTable<T>(SqliteConnection source, string table, string columns, Func<SqliteDataReader, T> read, SalvagedTable stats)
    {
        var rows = new List<T>();
        using var scan = source.CreateCommand();
        scan.CommandText = $"SELECT {columns}, rowid FROM {table} WHERE rowid >= $from ORDER BY rowid";
        var from = scan.Parameters.Add(new SqliteParameter { ParameterName = "$from" });
        using var probe = source.CreateCommand();
        probe.CommandText = $"SELECT rowid FROM {table} WHERE rowid >= $from ORDER BY rowid LIMIT 1";
        var probeFrom = probe.Parameters.Add(new SqliteParameter { ParameterName = "$from" });
        var rowidOrdinal = columns.Split(',').Length;

        var start = long.MinValue;
        for (var region = 0; region <= MaxRegions; region++)
        {
            from.Value = start;
            long? last = null;
            SqliteException failure;
            try
            {
                using var reader = scan.ExecuteReader();
                while (reader.Read())
                {
                    var rowid = reader.GetInt64(rowidOrdinal);
                    if (rowid < start || rowid <= last)
                    {
                        // Out of order: garbage on a page that still parses. Never let it move the scan back.
                        stats.RowsInvalid++;
                        stats.FirstInvalid ??= $"rowid {rowid} out of order after {last}";
                        continue;
                    }

                    last = rowid;
                    try
                    {
                        rows.Add(read(reader));
                        stats.RowsRead++;
                    }
                    catch (Exception ex) when (ex is FormatException or InvalidCastException or OverflowException or ArgumentException)
                    {
                        stats.RowsInvalid++;
                        stats.FirstInvalid ??= $"rowid {last}: {ex.Message}";
                    }
                }

                return rows; // reached the end
            }
            catch (SqliteException ex)
            {
                failure = ex;
            }

            if (failure.SqliteErrorCode == SqliteError || (last is null && region == 0 && !IsDamage(failure)))
            {
                // Not damage inside the table: the table is missing, has other columns, or the file is unreadable.
                stats.Failure = StoreErrors.Sqlite(failure);
                return rows;
            }

            if (last == long.MaxValue)
            {
                return rows;
            }

            var failedAt = last is { } l ? l + 1 : start;
            stats.FirstDamage ??= StoreErrors.Sqlite(failure);
            if (region == MaxRegions || NextReadable(probe, probeFrom, failedAt) is not { } next)
            {
                stats.UnreadableRanges.Add((failedAt, long.MaxValue));
                return rows;
            }

            stats.UnreadableRanges.Add((failedAt, next - 1));
            start = next;
        }

        return rows;
    }

    private static bool IsDamage(SqliteException error) => error.SqliteErrorCode is 11 /* CORRUPT */ or 10 /* IOERR */;

    /// <summary>The smallest rowid above <paramref name="failedAt"/> from which a seek works; null if none does.</summary>
    private static long? NextReadable(SqliteCommand probe, SqliteParameter from, long failedAt)
    {
        var low = failedAt; // seeking here failed (or the row here could not be read)
        long? high = null;
        var step = 1L;
        var probes = 0;
        while (probes++ < MaxProbes)
        {
            var candidate = step > long.MaxValue - low ? long.MaxValue : low + step;
            if (SeekWorks(probe, from, candidate))
            {
                high = candidate;
                break;
            }

            if (candidate == long.MaxValue)
            {
                return null;
            }

            low = candidate;
            step = step >= 1L << 61 ? step : step * 2;
        }

        if (high is not { } h)
        {
            return null;
        }

        while (h - low > 1 && probes++ < MaxProbes * 2)
        {
            var middle = low + ((h - low) / 2);
            if (SeekWorks(probe, from, middle))
            {
                h = middle;
            }
            else
            {
                low = middle;
            }
        }

        return h;
    }

    private static bool SeekWorks(SqliteCommand probe, SqliteParameter from, long rowid)
    {
        from.Value = rowid;
        try
        {
            using var reader = probe.ExecuteReader();
            reader.Read();
            return true;
        }
        catch (SqliteException)
        {
            return false;
        }
    }
}
