using System.Net;
using Microsoft.Extensions.Options;
using MqttHealth.Broker.Options;

namespace MqttHealth.Broker.Hosting;

/// <summary>
/// Checks <see cref="BrokerOptions"/> before anything listens. Each error is one line naming the setting and
/// its flag, so the operator can fix it from the message alone.
/// </summary>
public sealed class BrokerOptionsValidator : IValidateOptions<BrokerOptions>
{
    /// <summary>Largest MQTT packet: 1 byte fixed header, 4 bytes Remaining Length, 268,435,455 bytes of body (MQTT 5.0 §1.5.5).</summary>
    public const int LargestMqttPacket = 1 + 4 + 268_435_455;

    public static IReadOnlyList<string> Validate(BrokerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();

        Port(options.Port, "Broker:Port");
        Port(options.TlsPort, "Broker:TlsPort");
        Port(options.WebSocketPort, "Broker:WebSocketPort");
        Port(options.AdminPort, "Broker:AdminPort");
        if (options.Port == 0 && options.TlsPort == 0 && options.WebSocketPort == 0)
        {
            errors.Add("no MQTT listener is enabled: Broker:Port (--port), Broker:TlsPort (--tls-port) and Broker:WebSocketPort (--ws-port) are all 0");
        }

        DistinctPorts(options, errors);
        Address(options.BindAddress, "Broker:BindAddress");
        Address(options.AdminBindAddress, "Broker:AdminBindAddress");

        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            errors.Add($"{BrokerConfiguration.Describe("Broker:DataDirectory")} must not be empty");
        }

        if (!string.Equals(options.Storage, "sqlite", StringComparison.OrdinalIgnoreCase)
            && !string.Equals(options.Storage, "memory", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"unknown storage '{options.Storage}' for {BrokerConfiguration.Describe("Broker:Storage")}: expected sqlite or memory");
        }

        ValidateTls(options, errors);
        if (options.Security is null || options.Security.PasswordIterations is < 1 or > Security.Authentication.PasswordHasher.MaximumIterations)
        {
            errors.Add($"Broker:Security:PasswordIterations must be between 1 and {Security.Authentication.PasswordHasher.MaximumIterations}, not {options.Security?.PasswordIterations}");
        }

        if (options.Security?.Certificates is { } certificates)
        {
            errors.AddRange(Security.Authentication.CertificateAuthenticator.Validate(certificates));
        }

        if (options.Security is { } security && (security.AuthFailureBackoffBase < TimeSpan.Zero || security.AuthFailureBackoffMax < security.AuthFailureBackoffBase))
        {
            errors.Add($"Broker:Security:AuthFailureBackoffBase must be 0 or more and Broker:Security:AuthFailureBackoffMax at least as long, not {security.AuthFailureBackoffBase} and {security.AuthFailureBackoffMax}");
        }

        if (options.Security?.Jwt is { } jwt)
        {
            ValidateJwt(jwt, errors);
        }

        if (options.MaximumPacketSize is < 16 or > LargestMqttPacket)
        {
            errors.Add($"{BrokerConfiguration.Describe("Broker:MaximumPacketSize")} must be between 16 and {LargestMqttPacket} bytes, not {options.MaximumPacketSize}");
        }

        if (options.ReceiveMaximum == 0)
        {
            // MQTT 5.0 §3.2.2.3.3: a Receive Maximum of 0 is a Protocol Error.
            errors.Add("Broker:ReceiveMaximum must be at least 1");
        }

        foreach ((string key, int value) in new[]
        {
            ("Broker:Limits:MaxConnections", options.Limits.MaxConnections),
            ("Broker:Limits:MaxConnectionsPerAddress", options.Limits.MaxConnectionsPerAddress),
            ("Broker:Limits:MaxSubscriptionsPerClient", options.Limits.MaxSubscriptionsPerClient),
            ("Broker:Limits:MaxTopicLength", options.Limits.MaxTopicLength),
            ("Broker:Limits:MaxTopicLevels", options.Limits.MaxTopicLevels),
            ("Broker:Limits:MaxMessagesPerSecond", options.Limits.MaxMessagesPerSecond),
            ("Broker:Limits:MaxBytesPerSecond", options.Limits.MaxBytesPerSecond),
        })
        {
            if (value < 0)
            {
                errors.Add($"{BrokerConfiguration.Describe(key)} must be 0 (no limit) or more, not {value}");
            }
        }

        if (options.Limits.ConnectTimeout < TimeSpan.FromSeconds(1) || options.Limits.ConnectTimeout > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{BrokerConfiguration.Describe("Broker:Limits:ConnectTimeout")} must be from 00:00:01 to 00:05:00, not {options.Limits.ConnectTimeout}");
        }

        if (options.MaxQueuedMessages < 1)
        {
            errors.Add($"{BrokerConfiguration.Describe("Broker:MaxQueuedMessages")} must be at least 1, not {options.MaxQueuedMessages}");
        }

        if (!Enum.IsDefined(options.MaximumQoS))
        {
            errors.Add($"Broker:MaximumQoS must be AtMostOnce, AtLeastOnce or ExactlyOnce, not {options.MaximumQoS}");
        }

        if (options.ShutdownTimeout <= TimeSpan.Zero || options.ShutdownTimeout > TimeSpan.FromHours(1))
        {
            errors.Add($"Broker:ShutdownTimeout must be more than 0 and at most 01:00:00, not {options.ShutdownTimeout}");
        }

        if (options.SysIntervalSeconds is < 0 or > 86_400)
        {
            errors.Add($"{BrokerConfiguration.Describe("Broker:SysIntervalSeconds")} must be between 0 (off) and 86400, not {options.SysIntervalSeconds}");
        }

        return errors;

        void Port(int port, string key)
        {
            if (port is < 0 or > 65_535)
            {
                errors.Add($"{BrokerConfiguration.Describe(key)} must be between 0 (off) and 65535, not {port}");
            }
        }

        void Address(string? address, string key)
        {
            if (!IPAddress.TryParse(address, out _))
            {
                errors.Add($"{BrokerConfiguration.Describe(key)} must be an IP address such as 0.0.0.0, 127.0.0.1 or ::, not '{address}'");
            }
        }
    }

    public ValidateOptionsResult Validate(string? name, BrokerOptions options)
    {
        IReadOnlyList<string> errors = Validate(options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void DistinctPorts(BrokerOptions options, List<string> errors)
    {
        (int Port, string Key)[] listeners =
        [
            (options.Port, "Broker:Port"),
            (options.TlsPort, "Broker:TlsPort"),
            (options.WebSocketPort, "Broker:WebSocketPort"),
            (options.AdminPort, "Broker:AdminPort"),
        ];
        for (int i = 0; i < listeners.Length; i++)
        {
            for (int j = i + 1; j < listeners.Length; j++)
            {
                if (listeners[i].Port > 0 && listeners[i].Port == listeners[j].Port)
                {
                    errors.Add($"{BrokerConfiguration.Describe(listeners[i].Key)} and {BrokerConfiguration.Describe(listeners[j].Key)} are both {listeners[i].Port}; each listener needs its own port");
                }
            }
        }
    }

    /// <summary>Broker:Security:Jwt: nothing is checked while JwksFile is unset (tokens off); the file itself is read at start.</summary>
    private static void ValidateJwt(JwtOptions jwt, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(jwt.JwksFile))
        {
            return;
        }

        const string Prefix = "Broker:Security:Jwt:";
        if (string.IsNullOrWhiteSpace(jwt.Issuer) || string.IsNullOrWhiteSpace(jwt.Audience))
        {
            errors.Add($"{Prefix}Issuer and {Prefix}Audience are required when {Prefix}JwksFile is set: a token is accepted only from one issuer, for this broker");
        }

        if (jwt.ClockSkew < TimeSpan.Zero || jwt.ClockSkew > TimeSpan.FromMinutes(10))
        {
            errors.Add($"{Prefix}ClockSkew must be between 00:00:00 and 00:10:00, not {jwt.ClockSkew}");
        }

        if (jwt.MaximumLifetime is { } lifetime && lifetime <= TimeSpan.Zero)
        {
            errors.Add($"{Prefix}MaximumLifetime must be more than 0 when set, not {lifetime}");
        }

        foreach ((string key, string? claim) in new[] { ("SubjectClaim", jwt.SubjectClaim), ("RolesClaim", jwt.RolesClaim), ("ScopeClaim", jwt.ScopeClaim) })
        {
            if (string.IsNullOrWhiteSpace(claim))
            {
                errors.Add($"{Prefix}{key} must name a claim");
            }
        }

        foreach ((string scope, string role) in jwt.ScopeRoles)
        {
            if (!Security.Authentication.UserNames.IsValidRole(role))
            {
                errors.Add($"{Prefix}ScopeRoles maps '{scope}' to '{role}', which is not a valid role name (letters, digits, '.', '_', '-')");
            }
        }

        foreach ((string attribute, string claim) in jwt.AttributeClaims)
        {
            if (!Security.Authentication.UserNames.IsValidAttributeKey(attribute))
            {
                errors.Add($"{Prefix}AttributeClaims has '{attribute}', which is not a valid attribute name (lower-case letters, digits, '_', '-')");
            }
            else if (string.IsNullOrWhiteSpace(claim))
            {
                errors.Add($"{Prefix}AttributeClaims:{attribute} must name a claim");
            }
        }
    }

    private static void ValidateTls(BrokerOptions options, List<string> errors)
    {
        TlsOptions tls = options.Tls;
        bool hasCert = !string.IsNullOrWhiteSpace(tls.CertificatePath);
        bool hasKey = !string.IsNullOrWhiteSpace(tls.KeyPath);
        if (hasKey && !hasCert)
        {
            errors.Add($"{BrokerConfiguration.Describe("Broker:Tls:KeyPath")} is set without {BrokerConfiguration.Describe("Broker:Tls:CertificatePath")}");
        }

        if (!Enum.IsDefined(tls.ClientCertificates))
        {
            errors.Add($"{BrokerConfiguration.Describe("Broker:Tls:ClientCertificates")} must be none, optional or required");
        }
        else if (tls.ClientCertificates != ClientCertificateMode.None && string.IsNullOrWhiteSpace(tls.ClientCaPath))
        {
            errors.Add($"{BrokerConfiguration.Describe("Broker:Tls:ClientCertificates")} is {tls.ClientCertificates.ToString().ToLowerInvariant()} but {BrokerConfiguration.Describe("Broker:Tls:ClientCaPath")} is not set: client certificates cannot be validated without the CA");
        }

        if (!string.IsNullOrWhiteSpace(tls.ClientCrlFile) && tls.ClientCertificates == ClientCertificateMode.None)
        {
            errors.Add($"{BrokerConfiguration.Describe("Broker:Tls:ClientCrlFile")} is set but {BrokerConfiguration.Describe("Broker:Tls:ClientCertificates")} is none: there are no client certificates to check");
        }

        if (!Enum.IsDefined(tls.ClientCrlStale))
        {
            errors.Add("Broker:Tls:ClientCrlStale must be Refuse or Accept");
        }

        if (options.TlsPort == 0)
        {
            // Files of a listener that is off are not read, so they need not exist.
            return;
        }

        FileExists(tls.CertificatePath, "Broker:Tls:CertificatePath");
        FileExists(tls.KeyPath, "Broker:Tls:KeyPath");
        if (tls.ClientCertificates != ClientCertificateMode.None)
        {
            FileExists(tls.ClientCaPath, "Broker:Tls:ClientCaPath");
            FileExists(tls.ClientCrlFile, "Broker:Tls:ClientCrlFile");
        }

        void FileExists(string? path, string key)
        {
            if (!string.IsNullOrWhiteSpace(path) && !File.Exists(path))
            {
                errors.Add($"{BrokerConfiguration.Describe(key)}: file '{Path.GetFullPath(path)}' does not exist");
            }
        }
    }
}
