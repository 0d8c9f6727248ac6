using System.Globalization;

namespace MqttHealth.Broker.Storage;

/// <summary>The recover command's report: what was read, what was dropped or rebuilt, what was written, and where the original is.</summary>
internal static class RecoveryReport
{
    public static void Write(
        TextWriter output,
        TextWriter error,
        string databasePath,
        IReadOnlyList<string> kept,
        SqliteStoreRecovery.SalvageResult salvage,
        SqliteStoreRecovery.RecoveryPlan plan,
        StoredBrokerState state)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine($"  original kept at: {string.Join(", ", kept)}");
        output.WriteLine(salvage.HeaderError is { } header
            ? $"  original:         unreadable ({header})"
            : $"  original:         schema version {salvage.SchemaVersion}; quick_check: {salvage.QuickCheck}");
        output.WriteLine();
        output.WriteLine(string.Create(c, $"  {"table",-15} {"rows read",10} {"rows skipped",13}  unreadable"));
        foreach (var table in salvage.Tables)
        {
            output.WriteLine(string.Create(c, $"  {table.Name,-15} {table.RowsRead,10} {table.RowsInvalid,13}  {Unreadable(table)}"));
        }

        foreach (var table in salvage.Tables.Where(t => t.FirstInvalid is not null || t.FirstDamage is not null))
        {
            if (table.FirstDamage is not null)
            {
                output.WriteLine($"  {table.Name}: first damage: {table.FirstDamage}");
            }

            if (table.FirstInvalid is not null)
            {
                output.WriteLine($"  {table.Name}: first skipped row: {table.FirstInvalid}");
            }
        }

        output.WriteLine();
        output.WriteLine("  while rebuilding:");
        output.WriteLine(string.Create(c, $"    {plan.DeliveriesWithoutMessage} queued/in-flight deliveries dropped: their message was not readable"));
        output.WriteLine(string.Create(c, $"    {plan.RetainedWithoutMessage} retained entries dropped: their message was not readable"));
        output.WriteLine(string.Create(c, $"    {plan.Duplicates} duplicate rows dropped"));
        output.WriteLine(string.Create(c, $"    {plan.UnreferencedMessages} messages dropped: no readable delivery or retained entry referred to them"));
        output.WriteLine(string.Create(c, $"    {plan.RebuiltSessions.Count} sessions rebuilt (session row lost, subscriptions/deliveries survived; kept until the client reconnects, and claimed by the first principal to connect){Names(plan.RebuiltSessions)}"));
        output.WriteLine();

        var subscriptions = state.Sessions.Sum(s => s.Subscriptions.Count);
        var deliveries = state.Sessions.Sum(s => s.Deliveries.Count);
        var inbound = state.Sessions.Sum(s => s.InboundQos2PacketIds.Count);
        var messages = state.Sessions.SelectMany(s => s.Deliveries.Select(d => d.Message.Id)).Concat(state.Retained.Select(m => m.Id)).Distinct().Count();
        output.WriteLine($"  new database:     {databasePath} (schema version {SqliteSchema.Version}), opened and loaded as the broker will:");
        output.WriteLine(string.Create(c, $"    {state.Sessions.Count} sessions, {subscriptions} subscriptions, {deliveries} deliveries, {inbound} inbound QoS 2 ids, {state.Retained.Count} retained messages, {messages} messages; message ids continue above {state.MaxMessageId}"));
        output.WriteLine();

        var lost = salvage.HeaderError is not null || salvage.Tables.Any(t => t.LostSomething) ||
            plan.DeliveriesWithoutMessage > 0 || plan.RetainedWithoutMessage > 0 || plan.RebuiltSessions.Count > 0;
        if (!lost)
        {
            output.WriteLine("  RESULT: recovered everything; no row was lost. The broker can be started.");
            return;
        }

        var warning = salvage.HeaderError is not null || state.Sessions.Count + state.Retained.Count == 0
            ? "NOTHING could be salvaged: the new database is empty. Every persistent session, queued message and retained message of the old database is gone from the broker."
            : "DATA WAS LOST. Rows in the unreadable ranges and the dropped entries above are gone from the broker; clients will not receive those messages.";
        output.WriteLine($"  RESULT: {warning}");
        output.WriteLine($"  The broker can be started. Keep {kept[0]} until you have checked what is missing.");
        error.WriteLine($"recover: WARNING: {warning} See the report above; the original is kept at {kept[0]}.");
    }

    private static string Unreadable(SalvagedTable table)
    {
        if (table.Failure is not null)
        {
            return $"whole table ({table.Failure})";
        }

        if (table.UnreadableRanges.Count == 0)
        {
            return "-";
        }

        var ranges = table.UnreadableRanges.Take(5).Select(r => r switch
        {
            (long.MinValue, long.MaxValue) => "all rows",
            (_, long.MaxValue) => string.Create(CultureInfo.InvariantCulture, $"rowid {r.From} to the end"),
            _ when r.From == r.To => string.Create(CultureInfo.InvariantCulture, $"rowid {r.From}"),
            _ => string.Create(CultureInfo.InvariantCulture, $"rowids {Bound(r.From)}-{r.To}"),
        });
        var more = table.UnreadableRanges.Count > 5 ? string.Create(CultureInfo.InvariantCulture, $", ... ({table.UnreadableRanges.Count} ranges)") : string.Empty;
        return string.Join(", ", ranges) + more + "; rows in them are lost";
    }

    private static string Bound(long from) => from == long.MinValue ? "first" : from.ToString(CultureInfo.InvariantCulture);

    private static string Names(List<string> clientIds) =>
        clientIds.Count == 0 ? string.Empty : ": " + string.Join(", ", clientIds.Take(10)) + (clientIds.Count > 10 ? ", ..." : string.Empty);
}
