using Microsoft.Data.Sqlite;

namespace MqttHealth.Broker.Storage;

/// <summary>The wording of every <see cref="BrokerStoreException"/> the SQLite store throws, in one place.</summary>
internal static class StoreErrors
{
    // SQLite primary result codes (https://www.sqlite.org/rescode.html).
    private const int SqlitePerm = 3;
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteReadOnly = 8;
    private const int SqliteIoErr = 10;
    private const int SqliteCorrupt = 11;
    private const int SqliteFull = 13;
    private const int SqliteCantOpen = 14;
    private const int SqliteNotADb = 26;

    /// <summary>
    /// The database cannot be used. Says which file, that the broker will not start (so nothing is dropped
    /// silently), and how to salvage it.
    /// </summary>
    public static BrokerStoreException Unusable(string databasePath, string reason, Exception? inner = null)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(databasePath)) ?? ".";
        var message =
            $"The broker database {databasePath} cannot be used: {reason}. " +
            "The broker refuses to start rather than run without the sessions, queued messages and retained messages it has promised to keep. " +
            $"To salvage what is still readable into a fresh database (the original is kept beside it, renamed), stop every broker using this directory and run: {SqliteSchema.RecoverCommand} {Quote(directory)}";
        return inner is null ? new BrokerStoreException(message) : new BrokerStoreException(message, inner);
    }

    public static BrokerStoreException NewerSchema(string databasePath, long version) =>
        new(
            $"The broker database {databasePath} has schema version {version}, but this broker reads only version {SqliteSchema.Version}: " +
            "it was written by a newer mqtthealth-broker. The broker refuses to start rather than misread it and drop what it holds. " +
            $"Run the newer broker version on this data directory (the {SqliteSchema.RecoverCommand} command does not downgrade a database).");

    public static BrokerStoreException Locked(string databasePath, string lockPath) =>
        new(
            $"The broker database {databasePath} is in use by another process (it holds {lockPath}): another broker, or a recover command, is running on this data directory. " +
            "Two processes writing one database would lose messages, so this one refuses to start. Stop the other process or give this one its own --data directory.");

    /// <summary>Turns what SQLite or the file system said into the reason part of <see cref="Unusable"/>.</summary>
    public static string Describe(Exception error) => error switch
    {
        SqliteException { SqliteErrorCode: SqliteNotADb } e => $"the file is not a SQLite database, or its header is destroyed ({Sqlite(e)})",
        SqliteException { SqliteErrorCode: SqliteCorrupt } e => $"the file is corrupt ({Sqlite(e)})",
        SqliteException { SqliteErrorCode: SqliteCantOpen } e => $"SQLite cannot open the file: check that it exists as a regular file and that this user may read and write it and its directory ({Sqlite(e)})",
        SqliteException { SqliteErrorCode: SqlitePerm or SqliteReadOnly } e => $"this user may not write the file or its directory: check owner and permissions ({Sqlite(e)})",
        SqliteException { SqliteErrorCode: SqliteIoErr } e => $"reading or writing the file failed with an I/O error: check the disk ({Sqlite(e)})",
        SqliteException { SqliteErrorCode: SqliteFull } e => $"the disk is full ({Sqlite(e)})",
        SqliteException { SqliteErrorCode: SqliteBusy or SqliteLocked } e => $"another process holds a lock on the file ({Sqlite(e)})",
        SqliteException e => Sqlite(e),
        UnauthorizedAccessException e => $"access denied: check owner and permissions ({e.Message})",
        IOException e => $"I/O error: {e.Message}",
        FormatException e => $"a stored value is malformed ({e.Message})",
        _ => $"{error.GetType().Name}: {error.Message}",
    };

    /// <summary>"SQLite error 11: database disk image is malformed" from Microsoft.Data.Sqlite's "SQLite Error 11: '...'.".</summary>
    public static string Sqlite(SqliteException error)
    {
        var text = error.Message;
        var quote = text.IndexOf('\'', StringComparison.Ordinal);
        if (quote >= 0 && text.EndsWith("'.", StringComparison.Ordinal) && text.Length - quote > 3)
        {
            text = text[(quote + 1)..^2];
        }

        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"SQLite error {error.SqliteErrorCode}: {text}");
    }

    private static string Quote(string path) => path.Contains(' ', StringComparison.Ordinal) ? $"\"{path}\"" : path;
}
