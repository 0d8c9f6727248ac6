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

    /// <summary>
    /// The back-off after a failed password check, per user name and per source address: the delay is
    /// <c>min(AuthFailureBackoffBase × 2^(failures−1), AuthFailureBackoffMax)</c>, and a key with no failure for 15 minutes
    /// is forgotten (<see cref="Security.Authentication.AuthFailureBackoff"/>). Default 1 s; <c>00:00:00</c> turns the
    /// back-off off.
    /// </summary>
    public TimeSpan AuthFailureBackoffBase { get; set; } = Security.Authentication.AuthFailureBackoff.DefaultBase;

    /// <summary>The longest authentication failure back-off; at least <see cref="AuthFailureBackoffBase"/>. Default 5 minutes.</summary>
    public TimeSpan AuthFailureBackoffMax { get; set; } = Security.Authentication.AuthFailureBackoff.DefaultMaximum;

    /// <summary>
    /// The topic authorization policy (docs/authorization.md). Default: <c>policy.json</c> in the data directory when that
    /// file exists. Set, the file must exist. Without a policy, every accepted connection may use every topic except
    /// those starting with <c>$</c> (which clients cannot publish to anyway), and the broker says so at start-up.
    /// </summary>
    public string? PolicyFile { get; set; }

    /// <summary>JWT bearer tokens (<c>Broker:Security:Jwt:*</c>); off unless <see cref="JwtOptions.JwksFile"/> is set.</summary>
    public JwtOptions Jwt { get; set; } = new();

    /// <summary>How a TLS client certificate becomes a principal (<c>Broker:Security:Certificates:*</c>).</summary>
    public CertificateOptions Certificates { get; set; } = new();

    /// <summary>The policy file to enforce with <paramref name="dataDirectory"/>, as a full path, or null when there is none.</summary>
    public string? ResolvePolicyFile(string dataDirectory)
    {
        if (!string.IsNullOrWhiteSpace(PolicyFile))
        {
            return Path.GetFullPath(PolicyFile);
        }

        string candidate = Path.GetFullPath(Path.Combine(dataDirectory, DefaultPolicyFileName));
        return File.Exists(candidate) ? candidate : null;
    }

    /// <summary>The policy file looked for in the data directory when <see cref="PolicyFile"/> is not set.</summary>
    public const string DefaultPolicyFileName = "policy.json";

    /// <summary>The users file to use with <paramref name="dataDirectory"/>: <see cref="UsersFile"/> or <c>DIR/users.json</c>, as a full path.</summary>
    public string ResolveUsersFile(string dataDirectory) =>
        Path.GetFullPath(string.IsNullOrWhiteSpace(UsersFile) ? Path.Combine(dataDirectory, Security.Authentication.UserStore.DefaultFileName) : UsersFile);
}
