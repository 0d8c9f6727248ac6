namespace MqttHealth.Broker.Storage;

/// <summary>Selects the bundled native SQLite (e_sqlite3) for Microsoft.Data.Sqlite.Core, once per process.</summary>
internal static class SqliteProvider
{
    private static readonly Lazy<bool> Initialized = new(() =>
    {
        SQLitePCL.Batteries.Init();
        return true;
    });

    public static void EnsureInitialized() => _ = Initialized.Value;
}
