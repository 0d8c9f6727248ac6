using System.Text.Json;

namespace MqttHealth.Broker.Security.Authentication;

/// <summary>
/// The broker's users: a JSON file (<c>users.json</c> in the data directory by default) read at start and re-read
/// when it changes. The broker only reads it; the <c>users</c> verbs write it, atomically.
/// </summary>
/// <remarks>
/// <para>Format (strict: unknown properties, duplicate names and malformed hashes make the whole file invalid):</para>
/// <code>
/// { "users": [ { "name": "alice", "hash": "pbkdf2-sha256$600000$...$...", "roles": ["nurse"], "attributes": { "facility": "f1" } },
///              { "name": "urn:dev:mon-42", "certificate": true, "roles": ["device"] } ] }
/// </code>
/// <para>An entry with <c>"certificate": true</c> has no hash: it gives roles and attributes to the client certificate
/// identity of that name and can never be used with a password.</para>
/// <para>Change detection: <see cref="Refresh"/> compares the file's last-write time and length with those of the
/// last read, one <c>stat</c> per call; the authenticator calls it before each password check. That is simpler and
/// more dependable than a FileSystemWatcher (no missed or duplicated events, works on every file system, nothing to
/// dispose) and costs microseconds next to PBKDF2. The writer replaces the file by rename, so a reader never sees
/// half a file. A rewrite that does not parse keeps the last good set in use (<see cref="FileRefresh.Failed"/>,
/// reported once per change). A missing file is an empty set: nobody can log in with a password.</para>
/// </remarks>
public sealed class UserStore
{
    public const string DefaultFileName = "users.json";

    private readonly ReloadableFile<Snapshot, UserStoreException> _file;

    private UserStore(string path)
    {
        _file = new ReloadableFile<Snapshot, UserStoreException>(path, static file => new Snapshot(Load(file)));
    }

    /// <summary>The full path of the users file.</summary>
    public string FilePath => _file.FilePath;

    /// <summary>The users in use, in file order.</summary>
    public IReadOnlyList<StoredUser> Users => _file.Current.Users;

    /// <summary>Why the last <see cref="Refresh"/> failed (one line), or null.</summary>
    public string? LastError => _file.LastError;

    /// <summary>Reads <paramref name="path"/> (absent: no users). Throws <see cref="UserStoreException"/> when it is not valid.</summary>
    public static UserStore Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new UserStore(Path.GetFullPath(path));
    }

    /// <summary>The user named <paramref name="name"/> (ordinal comparison), or null.</summary>
    public StoredUser? Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _file.Current.ByName.GetValueOrDefault(name);
    }

    /// <summary>Re-reads the file if its last-write time or length changed since the last read. Thread-safe.</summary>
    public FileRefresh Refresh() => _file.Refresh();

    /// <summary>Reads and validates a users file; absent means no users. Throws <see cref="UserStoreException"/> naming the file.</summary>
    public static IReadOnlyList<StoredUser> Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            return [];
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserStoreException($"users file '{path}' cannot be read: {OneLine(ex.Message)}", ex);
        }

        try
        {
            return Parse(bytes);
        }
        catch (JsonException ex)
        {
            string where = ex.LineNumber is { } line ? $" (line {line + 1}, position {(ex.BytePositionInLine ?? 0) + 1})" : string.Empty;
            throw new UserStoreException($"users file '{path}' is not valid JSON{where}", ex);
        }
        catch (FormatException ex)
        {
            throw new UserStoreException($"users file '{path}' is not valid: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Writes <paramref name="users"/> to <paramref name="path"/> atomically: a temporary file in the same directory
    /// (mode 0600 on Unix, flushed to disk), then renamed over the old file. Validates first: nothing invalid is written.
    /// </summary>
    public static void Save(string path, IEnumerable<StoredUser> users)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(users);
        var list = users.ToList();
        Validate(list);
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        string temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using (var stream = new FileStream(temp, options))
            {
                Write(stream, list);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    private static List<StoredUser> Parse(byte[] bytes)
    {
        using var document = JsonDocument.Parse(bytes, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        JsonElement root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("the top level must be an object with a \"users\" array");
        }

        JsonElement? usersElement = null;
        foreach (JsonProperty property in root.EnumerateObject())
        {
            if (property.NameEquals("users"))
            {
                usersElement = property.Value;
            }
            else
            {
                throw new FormatException($"unknown property \"{property.Name}\" at the top level");
            }
        }

        if (usersElement is not { ValueKind: JsonValueKind.Array } array)
        {
            throw new FormatException("the top level must have a \"users\" array");
        }

        var users = new List<StoredUser>();
        int index = 0;
        foreach (JsonElement entry in array.EnumerateArray())
        {
            users.Add(ParseUser(entry, index++));
        }

        Validate(users);
        return users;
    }

    private static StoredUser ParseUser(JsonElement entry, int index)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"users[{index}] is not an object");
        }

        string? name = null;
        string? hash = null;
        bool certificate = false;
        var roles = new List<string>();
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (JsonProperty property in entry.EnumerateObject())
        {
            switch (property.Name)
            {
                case "name":
                    name = StringValue(property.Value, $"users[{index}].name");
                    break;
                case "hash":
                    hash = StringValue(property.Value, $"users[{index}].hash");
                    break;
                case "certificate":
                    certificate = property.Value.ValueKind switch
                    {
                        JsonValueKind.True => true,
                        JsonValueKind.False => false,
                        _ => throw new FormatException($"users[{index}].certificate must be true or false"),
                    };
                    break;
                case "roles":
                    if (property.Value.ValueKind != JsonValueKind.Array)
                    {
                        throw new FormatException($"users[{index}].roles is not an array");
                    }

                    foreach (JsonElement role in property.Value.EnumerateArray())
                    {
                        roles.Add(StringValue(role, $"users[{index}].roles"));
                    }

                    break;
                case "attributes":
                    if (property.Value.ValueKind != JsonValueKind.Object)
                    {
                        throw new FormatException($"users[{index}].attributes is not an object");
                    }

                    foreach (JsonProperty attribute in property.Value.EnumerateObject())
                    {
                        if (!attributes.TryAdd(attribute.Name, StringValue(attribute.Value, $"users[{index}].attributes.{attribute.Name}")))
                        {
                            throw new FormatException($"users[{index}] has the attribute \"{attribute.Name}\" twice");
                        }
                    }

                    break;
                default:
                    throw new FormatException($"users[{index}] has an unknown property \"{property.Name}\"");
            }
        }

        if (certificate)
        {
            if (name is null || hash is not null)
            {
                throw new FormatException($"users[{index}] is a certificate entry: it needs a \"name\" and must not have a \"hash\"");
            }

            return new StoredUser(name, string.Empty, roles, attributes) { IsCertificate = true };
        }

        if (name is null || hash is null)
        {
            throw new FormatException($"users[{index}] needs a \"name\" and a \"hash\" (or \"certificate\": true)");
        }

        return new StoredUser(name, hash, roles, attributes);
    }

    private static string StringValue(JsonElement element, string what) =>
        element.ValueKind == JsonValueKind.String ? element.GetString()! : throw new FormatException($"{what} must be a string");

    /// <summary>Throws <see cref="FormatException"/> (naming the user, never the hash) for the first invalid entry.</summary>
    private static void Validate(List<StoredUser> users)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < users.Count; i++)
        {
            StoredUser user = users[i];
            if (!UserNames.IsValidName(user.Name))
            {
                throw new FormatException($"users[{i}] has an invalid name (1 to {UserNames.MaximumNameLength} characters, no control characters)");
            }

            if (!names.Add(user.Name))
            {
                throw new FormatException($"user '{user.Name}' appears twice");
            }

            if (user.IsCertificate)
            {
                if (user.PasswordHash.Length > 0)
                {
                    throw new FormatException($"user '{user.Name}' is a certificate entry and must not have a password hash");
                }
            }
            else if (!PasswordHasher.IsWellFormed(user.PasswordHash, out string? hashError))
            {
                throw new FormatException($"user '{user.Name}': {hashError}");
            }

            foreach (string role in user.Roles)
            {
                if (!UserNames.IsValidRole(role))
                {
                    throw new FormatException($"user '{user.Name}' has an invalid role '{role}' (letters, digits, '.', '_', '-')");
                }
            }

            foreach ((string key, string value) in user.Attributes)
            {
                if (!UserNames.IsValidAttributeKey(key))
                {
                    throw new FormatException($"user '{user.Name}' has an invalid attribute name '{key}' (lower-case letters, digits, '_', '-')");
                }

                if (!UserNames.IsValidAttributeValue(value))
                {
                    throw new FormatException($"user '{user.Name}' has an invalid value for attribute '{key}' (no control characters, '/', '+' or '#')");
                }
            }
        }
    }

    private static void Write(Stream stream, List<StoredUser> users)
    {
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        writer.WriteStartObject();
        writer.WriteStartArray("users");
        foreach (StoredUser user in users)
        {
            writer.WriteStartObject();
            writer.WriteString("name", user.Name);
            if (user.IsCertificate)
            {
                writer.WriteBoolean("certificate", true);
            }
            else
            {
                writer.WriteString("hash", user.PasswordHash);
            }

            writer.WriteStartArray("roles");
            foreach (string role in user.Roles)
            {
                writer.WriteStringValue(role);
            }

            writer.WriteEndArray();
            writer.WriteStartObject("attributes");
            foreach ((string key, string value) in user.Attributes.OrderBy(a => a.Key, StringComparer.Ordinal))
            {
                writer.WriteString(key, value);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.Flush();
        stream.Write("\n"u8);
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();

    private sealed class Snapshot
    {
        public Snapshot(IReadOnlyList<StoredUser> users)
        {
            Users = users;
            ByName = users.ToDictionary(u => u.Name, StringComparer.Ordinal);
        }

        public IReadOnlyList<StoredUser> Users { get; }

        public Dictionary<string, StoredUser> ByName { get; }
    }
}
