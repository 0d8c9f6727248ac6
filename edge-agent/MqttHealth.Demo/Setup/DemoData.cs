using System.Security.Cryptography;
using System.Text.Json.Nodes;
using MqttHealth.Payloads.Keys;

namespace MqttHealth.Demo.Setup;

/// <summary>
/// The demo's directory (<c>./demo-data</c> by default), made once with the SDK and reused by later runs:
/// <list type="bullet">
/// <item><c>ca/</c>: facility <c>f1</c>'s CA certificate and its encrypted key (passphrase in <c>ca/ca.pass</c>);</item>
/// <item><c>devices/</c>: bedside monitors <c>mon-1..3</c> of unit <c>icu</c> (certificate, encrypted key, passphrase);</item>
/// <item><c>integrator/</c>: the consumer <c>integrator</c> (the only recipient of the monitors' envelopes);</item>
/// <item><c>broker/</c>: the broker's data: <c>users.json</c> (a password user per agent and the integrator, with roles and
/// attributes), <c>policy.json</c> (what each role may publish and subscribe to), <c>broker.db</c>;</item>
/// <item><c>passwords/</c>: the MQTT passwords; <c>agents/mon-N/</c>: each agent's configuration and data;
/// <c>logs/</c>: what the broker and the agents write.</item>
/// </list>
/// Passphrases and passwords are random, in files of mode 0600. Development only: nothing here is protected beyond
/// file permissions.
/// </summary>
public sealed class DemoData
{
    public const string Facility = "f1";
    public const string Unit = "icu";
    public const string IntegratorName = "integrator";

    /// <summary>The monitors and their simulated patients' profiles.</summary>
    public static readonly IReadOnlyList<(string Device, string Profile)> Monitors =
        [("mon-1", "stable"), ("mon-2", "deteriorating"), ("mon-3", "arrhythmic")];

    private const string CompleteMarker = ".complete";

    private DemoData(string directory) => Directory = directory;

    public string Directory { get; }

    public string CaDirectory => Path.Combine(Directory, "ca");

    public string CaCertificate => Path.Combine(CaDirectory, "ca.crt.pem");

    public string RecipientsDirectory => Path.Combine(Directory, "integrator", "recipients");

    public string BrokerDirectory => Path.Combine(Directory, "broker");

    public string LogDirectory => Path.Combine(Directory, "logs");

    public string PasswordFile(string user) => Path.Combine(Directory, "passwords", user + ".pass");

    public string IdentityFile(string name, string suffix) =>
        Path.Combine(Directory, name == IntegratorName ? "integrator" : "devices", name + suffix);

    public string AgentDirectory(string device) => Path.Combine(Directory, "agents", device);

    /// <summary>The MQTT user name of a monitor's agent.</summary>
    public static string AgentUser(string device) => "agent-" + device;

    /// <summary>
    /// Opens <paramref name="directory"/>, creating its keys and secrets when it is new. The broker's users are added
    /// by <paramref name="addUser"/> (the broker's own <c>users add</c> verb), once.
    /// </summary>
    public static async Task<DemoData> OpenAsync(string directory, Func<DemoData, string, IReadOnlyList<string>, Task> addUser, TextWriter log)
    {
        var data = new DemoData(Path.GetFullPath(directory));
        if (File.Exists(Path.Combine(data.Directory, CompleteMarker)))
        {
            log.WriteLine($"Reusing the demo data in {data.Directory}");
            return data;
        }

        if (System.IO.Directory.Exists(data.Directory) && System.IO.Directory.EnumerateFileSystemEntries(data.Directory).Any())
        {
            throw new DemoException($"{data.Directory} exists but holds no complete demo data (an interrupted first run?): delete it, or give another directory with --data");
        }

        log.WriteLine($"Creating the demo data in {data.Directory}: a facility CA, three bedside monitors, an integrator, broker users and policy");
        foreach (string sub in new[] { "ca", "devices", "integrator/recipients", "broker", "passwords", "agents", "logs" })
        {
            System.IO.Directory.CreateDirectory(Path.Combine(data.Directory, sub));
        }

        using (FacilityCa ca = FacilityCa.Create(Facility, TimeSpan.FromDays(3650)))
        {
            string caPass = NewSecret(Path.Combine(data.CaDirectory, "ca.pass"));
            File.WriteAllText(data.CaCertificate, ca.ExportCertificatePem());
            WritePrivate(Path.Combine(data.CaDirectory, "ca.key.pem"), ca.ExportEncryptedKeyPem(caPass));
            foreach ((string device, _) in Monitors)
            {
                data.Issue(ca, KeyRole.Device, device, Unit);
            }

            data.Issue(ca, KeyRole.Consumer, IntegratorName, null);
            File.Copy(data.IdentityFile(IntegratorName, ".crt.pem"), Path.Combine(data.RecipientsDirectory, IntegratorName + ".crt.pem"));
        }

        File.WriteAllText(Path.Combine(data.BrokerDirectory, "policy.json"), Policy().ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        foreach ((string device, _) in Monitors)
        {
            NewSecret(data.PasswordFile(AgentUser(device)));
            await addUser(data, AgentUser(device), ["--role", "device", "--attr", $"facility={Facility}", "--attr", $"unit={Unit}", "--attr", $"device={device}"]).ConfigureAwait(false);
        }

        NewSecret(data.PasswordFile(IntegratorName));
        await addUser(data, IntegratorName, ["--role", "integrator", "--attr", $"facility={Facility}"]).ConfigureAwait(false);
        File.WriteAllText(Path.Combine(data.Directory, CompleteMarker), DateTimeOffset.UtcNow.ToString("O") + "\n");
        log.WriteLine($"Passphrases and passwords (mode 0600): {Path.Combine(data.Directory, "ca", "ca.pass")}, {Path.Combine(data.Directory, "devices", "*.pass")}, {Path.Combine(data.Directory, "integrator", "*.pass")}, {Path.Combine(data.Directory, "passwords")}");
        return data;
    }

    /// <summary>The agent configuration of one monitor (written at every run: the broker port may change).</summary>
    public string WriteAgentConfig(string device, string profile, int brokerPort)
    {
        string directory = AgentDirectory(device);
        System.IO.Directory.CreateDirectory(directory);
        var config = new JsonObject
        {
            ["Agent"] = new JsonObject
            {
                ["DataDirectory"] = Path.Combine(directory, "data"),
                ["Broker"] = new JsonObject
                {
                    ["Host"] = "127.0.0.1",
                    ["Port"] = brokerPort,
                    ["ClientId"] = AgentUser(device),
                    ["UserName"] = AgentUser(device),
                    ["PasswordFile"] = PasswordFile(AgentUser(device)),
                    ["KeepAliveSeconds"] = 30,
                    ["ReconnectMaxDelay"] = "00:00:05",
                },
                ["Identity"] = new JsonObject
                {
                    ["Ca"] = CaDirectory,
                    ["Recipients"] = RecipientsDirectory,
                    ["Devices"] = new JsonArray(new JsonObject
                    {
                        ["Certificate"] = IdentityFile(device, ".crt.pem"),
                        ["Key"] = IdentityFile(device, ".key.pem"),
                        ["PassphraseFile"] = IdentityFile(device, ".pass"),
                    }),
                },
                ["Simulator"] = new JsonObject { ["Devices"] = 1, ["Profiles"] = new JsonArray(profile) },
                ["Status"] = new JsonObject { ["Interval"] = "00:00:30" },
            },
        };
        string path = Path.Combine(directory, "agent.json");
        File.WriteAllText(path, config.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        return path;
    }

    /// <summary>
    /// Devices publish their own streams (retained: keys, context, status) and the agent's status; the integrator reads
    /// the facility's vitals, alarms, status and what opening them needs (keys, context). Nothing else is allowed.
    /// </summary>
    private static JsonObject Policy() => new()
    {
        ["roles"] = new JsonObject
        {
            ["device"] = new JsonObject
            {
                ["rules"] = new JsonArray(
                    Rule("publish", "mh/v1/{attr:facility}/{attr:unit}/{attr:device}/+", "mhagent/v1/{clientid}/status"),
                    Rule("retain", "mh/v1/{attr:facility}/{attr:unit}/{attr:device}/keys", "mh/v1/{attr:facility}/{attr:unit}/{attr:device}/context",
                        "mh/v1/{attr:facility}/{attr:unit}/{attr:device}/status", "mhagent/v1/{clientid}/status")),
            },
            ["integrator"] = new JsonObject
            {
                ["rules"] = new JsonArray(Rule("subscribe",
                    "mh/v1/{attr:facility}/+/+/vitals", "mh/v1/{attr:facility}/+/+/alarms", "mh/v1/{attr:facility}/+/+/status",
                    "mh/v1/{attr:facility}/+/+/context", "mh/v1/{attr:facility}/+/+/keys")),
            },
        },
    };

    private static JsonObject Rule(string action, params string[] topics) => new()
    {
        ["effect"] = "allow",
        ["actions"] = new JsonArray(action),
        ["topics"] = new JsonArray([.. topics.Select(t => (JsonNode)t)]),
    };

    private void Issue(FacilityCa ca, KeyRole role, string name, string? unit)
    {
        using IssuedIdentity identity = ca.Issue(role, name, unit, TimeSpan.FromDays(3650));
        string pass = NewSecret(IdentityFile(name, ".pass"));
        File.WriteAllText(IdentityFile(name, ".crt.pem"), identity.ExportCertificatePem());
        WritePrivate(IdentityFile(name, ".key.pem"), identity.ExportEncryptedKeyPem(pass));
    }

    private static string NewSecret(string path)
    {
        string secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        WritePrivate(path, secret + "\n");
        return secret;
    }

    private static void WritePrivate(string path, string content)
    {
        using (File.Create(path))
        {
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.WriteAllText(path, content);
    }
}
