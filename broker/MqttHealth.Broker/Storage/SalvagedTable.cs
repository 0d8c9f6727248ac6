namespace MqttHealth.Broker.Storage;

/// <summary>What the recover command got out of one table of the damaged database.</summary>
internal sealed class SalvagedTable(string name)
{
    public string Name { get; } = name;

    /// <summary>Rows read and accepted.</summary>
    public int RowsRead { get; set; }

    /// <summary>Rows SQLite returned whose values are malformed; skipped.</summary>
    public int RowsInvalid { get; set; }

    public string? FirstInvalid { get; set; }

    /// <summary>Rowid ranges the scan had to step over (inclusive; <see cref="long.MaxValue"/>: to the end). Rows in them are lost.</summary>
    public List<(long From, long To)> UnreadableRanges { get; } = [];

    public string? FirstDamage { get; set; }

    /// <summary>Set when the table could not be read at all (missing, other columns, file unreadable).</summary>
    public string? Failure { get; set; }

    public bool LostSomething => RowsInvalid > 0 || UnreadableRanges.Count > 0 || Failure is not null;
}
