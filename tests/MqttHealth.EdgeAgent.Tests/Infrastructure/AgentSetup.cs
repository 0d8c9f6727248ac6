using System.Globalization;
using System.Text.Json.Nodes;
using MqttHealth.Broker.Testing;
using MqttHealth.Payloads.Keys;

namespace MqttHealth.EdgeAgent.Tests.Infrastructure;

/// <summary>
/// A temporary directory with a facility CA (f1), device identities (mon-1.., unit icu-2) with encrypted keys and
/// passphrase files, a consumer (central-1) as the recipient, and the agent's configuration file.
/// </summary>
public sealed class AgentSetup : IDisposable
{
    public const string Pass = "device-pass-1";
    private readonly FacilityCa _ca = FacilityCa.Create("f1", TimeSpan.FromDays(30));

    public AgentSetup(int devices, int brokerPort)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("agent-").FullName;
        Trust = new FacilityTrust(_ca.Certificate);
        BrokerPort = brokerPort;
        HttpPort = FreePorts.Allocate();
        string caDir = Sub("ca");
        string recipients = Sub("recipients");
        File.WriteAllText(Path.Combine(caDir, "ca.crt.pem"), _ca.ExportCertificatePem());
        string passFile = Path.Combine(Directory, "pass");
        File.WriteAllText(passFile, Pass + "\n");
        using (IssuedIdentity consumer = _ca.Issue(KeyRole.Consumer, "central-1", null, TimeSpan.FromDays(10)))
        {
            File.WriteAllText(Path.Combine(recipients, "central-1.crt.pem"), consumer.ExportCertificatePem());
            Consumer = consumer.ToIdentity();
        }

        var deviceList = new JsonArray();
        for (int i = 1; i <= devices; i++)
        {
            string name = $"mon-{i}";
            DeviceNames.Add(name);
            string devDir = Sub("devices");
            using IssuedIdentity device = _ca.Issue(KeyRole.Device, name, "icu-2", TimeSpan.FromDays(10));
            File.WriteAllText(Path.Combine(devDir, name + ".crt.pem"), device.ExportCertificatePem());
            File.WriteAllText(Path.Combine(devDir, name + ".key.pem"), device.ExportEncryptedKeyPem(Pass, KeyProtection.MinimumIterations));
            deviceList.Add(new JsonObject
            {
                ["Certificate"] = Path.Combine(devDir, name + ".crt.pem"),
                ["Key"] = Path.Combine(devDir, name + ".key.pem"),
                ["PassphraseFile"] = passFile,
            });
        }

        Config = new JsonObject
        {
            [nameof(DataDirectory)] = Path.Combine(Directory, "data"),
            ["Broker"] = new JsonObject
            {
                ["Host"] = "127.0.0.1",
                ["Port"] = brokerPort,
                ["ClientId"] = "agent-test",
                ["KeepAliveSeconds"] = 10,
                ["ReconnectMinDelay"] = "00:00:00.200",
                ["ReconnectMaxDelay"] = "00:00:01",
                ["ConnectTimeout"] = "00:00:05",
            },
            ["Identity"] = new JsonObject { ["Ca"] = caDir, ["Recipients"] = recipients, ["Devices"] = deviceList },
            ["Inputs"] = new JsonObject { [nameof(HttpPort)] = HttpPort },
            ["Batching"] = new JsonObject { ["MaxWindow"] = "00:00:02" },
            ["Status"] = new JsonObject { ["Interval"] = "00:00:01" },
        };
    }

    public string Directory { get; }

    public FacilityTrust Trust { get; }

    public KeyIdentity Consumer { get; }

    public int BrokerPort { get; }

    public int HttpPort { get; }

    public List<string> DeviceNames { get; } = [];

    /// <summary>The <c>Agent</c> section; change it before <see cref="ConfigPath"/> is read.</summary>
    public JsonObject Config { get; }

    public string DataDirectory => (string)Config[nameof(DataDirectory)]!;

    /// <summary>Writes the configuration file (again) and returns its path.</summary>
    public string ConfigPath
    {
        get
        {
            string path = Path.Combine(Directory, "agent.json");
            File.WriteAllText(path, new JsonObject { ["Agent"] = Config.DeepClone() }.ToJsonString());
            return path;
        }
    }

    public void Set(string section, string key, JsonNode value)
    {
        if (Config[section] is not JsonObject target)
        {
            target = [];
            Config[section] = target;
        }

        target[key] = value;
    }

    /// <summary>A vitals reading in the JSON reading format; <paramref name="index"/> makes its time unique and ordered.</summary>
    public static string Vitals(string device, int index, int heartRate = 72) =>
        string.Create(CultureInfo.InvariantCulture, $$$"""{"device":"{{{device}}}","patient":"0a0b0c","time":"{{{Time(index)}}}","vitals":{"heart_rate":{{{heartRate}}},"spo2":97,"respiratory_rate":16,"nibp_systolic":120,"nibp_diastolic":80}}""");

    public static string Alarm(string device, int index, int id) =>
        string.Create(CultureInfo.InvariantCulture, $$$"""{"device":"{{{device}}}","patient":"0a0b0c","time":"{{{Time(index)}}}","alarm":{"id":{{{id}}},"priority":"high","condition":"above_upper_limit","vital":"heart_rate","value":150,"lower":50,"upper":120}}""");

    /// <summary>The reading time of index <paramref name="index"/> (Unix ms), as the receiver sees it.</summary>
    public static ulong TimeMs(int index) => 1_790_000_000_000UL + (ulong)index * 10;

    public void Dispose()
    {
        Consumer.Dispose();
        _ca.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // a process still held a file; the temp directory is cleaned by the OS
        }
    }

    private static string Time(int index) => DateTimeOffset.FromUnixTimeMilliseconds((long)TimeMs(index)).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    private string Sub(string name) => System.IO.Directory.CreateDirectory(Path.Combine(Directory, name)).FullName;
}
