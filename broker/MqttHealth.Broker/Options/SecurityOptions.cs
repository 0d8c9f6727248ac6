namespace MqttHealth.Broker.Options;

/// <summary>The <c>Broker:Security</c> section: authentication (and, as it is added, authorization and audit).</summary>
public sealed class SecurityOptions
{
    /// <summary>The users file; relative paths are relative to the working directory. Default: <c>users.json</c> in the data directory.</summary>
    public string? UsersFile { get; set; }

    /// <summary>
    /// PBKDF2-HMAC-SHA256 iterations for new password hashes. Default 600,000 (OWASP 2023); existing hashes keep the
    /// count they were made with until the password is next set.
    /// </summary>
    public int PasswordIterations { get; set; } = Security.Authentication.PasswordHasher.DefaultIterations;

    /// <summary>The users file to use with <paramref name="dataDirectory"/>: <see cref="UsersFile"/> or <c>DIR/users.json</c>, as a full path.</summary>
    public string ResolveUsersFile(string dataDirectory) =>
        Path.GetFullPath(string.IsNullOrWhiteSpace(UsersFile) ? Path.Combine(dataDirectory, Security.Authentication.UserStore.DefaultFileName) : UsersFile);
}
