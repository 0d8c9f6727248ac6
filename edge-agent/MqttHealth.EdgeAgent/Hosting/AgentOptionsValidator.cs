using System.Net;
using MqttHealth.EdgeAgent.Options;

namespace MqttHealth.EdgeAgent.Hosting;

/// <summary>Checks <see cref="AgentOptions"/> before anything starts; each error is one line naming the setting.</summary>
public static class AgentOptionsValidator
{
    /// <summary>Unix socket paths are limited by <c>sockaddr_un.sun_path</c> (108 bytes with the terminator).</summary>
    public const int MaxSocketPath = 107;

    public static List<string> Validate(AgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        void Check(bool ok, string message)
        {
            if (!ok)
            {
                errors.Add(message);
            }
        }

        Check(!string.IsNullOrWhiteSpace(options.DataDirectory), "Agent:DataDirectory (--data) must not be empty");

        BrokerConnectionOptions broker = options.Broker;
        Check(!string.IsNullOrWhiteSpace(broker.Host), "Agent:Broker:Host (--broker) must not be empty");
        Check(broker.Port is >= 1 and <= 65535, $"Agent:Broker:Port (--broker) must be between 1 and 65535, not {broker.Port}");
        Check(broker.AlarmQos is 1 or 2, $"Agent:Broker:AlarmQos must be 1 or 2, not {broker.AlarmQos}");
        Check(broker.MaxInflight >= 1, "Agent:Broker:MaxInflight must be at least 1");
        Check(broker.ReconnectMinDelay > TimeSpan.Zero && broker.ReconnectMaxDelay >= broker.ReconnectMinDelay,
            $"Agent:Broker:ReconnectMinDelay must be above 0 and Agent:Broker:ReconnectMaxDelay at least as long, not {broker.ReconnectMinDelay} and {broker.ReconnectMaxDelay}");
        Check(broker.ConnectTimeout > TimeSpan.Zero, "Agent:Broker:ConnectTimeout must be above 0");
        Check(broker.SessionExpirySeconds >= 1, "Agent:Broker:SessionExpirySeconds must be at least 1 (the agent keeps a persistent session)");
        Check(string.IsNullOrEmpty(broker.UserName) || File.Exists(broker.PasswordFile), $"Agent:Broker:PasswordFile '{broker.PasswordFile}' does not exist (Agent:Broker:UserName is set)");
        Check(!broker.Tls || string.IsNullOrEmpty(broker.TlsCaFile) || File.Exists(broker.TlsCaFile), $"Agent:Broker:TlsCaFile '{broker.TlsCaFile}' does not exist");
        Check(!broker.TlsClientCertificate || broker.Tls, "Agent:Broker:TlsClientCertificate needs Agent:Broker:Tls (the certificate is presented in the TLS handshake)");

        IdentityOptions identity = options.Identity;
        Check(File.Exists(identity.Ca) || Directory.Exists(identity.Ca), $"Agent:Identity:Ca '{identity.Ca}' is neither a CA certificate file nor a directory holding ca.crt.pem");
        Check(string.IsNullOrEmpty(identity.Crl) || File.Exists(identity.Crl), $"Agent:Identity:Crl '{identity.Crl}' does not exist");
        Check(Directory.Exists(identity.Recipients), $"Agent:Identity:Recipients '{identity.Recipients}' is not a directory of recipient certificates");
        Check(identity.Devices.Count > 0, "Agent:Identity:Devices is empty: configure at least one device (Certificate, Key, PassphraseFile)");
        Check(identity.EpochHours is >= 1 and <= 24 * 366, $"Agent:Identity:EpochHours must be between 1 and {24 * 366}, not {identity.EpochHours}");
        for (int i = 0; i < identity.Devices.Count; i++)
        {
            DeviceIdentityOptions device = identity.Devices[i];
            foreach ((string name, string path) in new[] { ("Certificate", device.Certificate), ("Key", device.Key), ("PassphraseFile", device.PassphraseFile) })
            {
                Check(File.Exists(path), $"Agent:Identity:Devices:{i}:{name} '{path}' does not exist");
            }
        }

        InputOptions inputs = options.Inputs;
        Check(inputs.HttpPort is >= 0 and <= 65535, $"Agent:Inputs:HttpPort (--http-port) must be between 0 (off) and 65535, not {inputs.HttpPort}");
        Check(IPAddress.TryParse(inputs.HttpBindAddress, out IPAddress? address) && IPAddress.IsLoopback(address),
            $"Agent:Inputs:HttpBindAddress must be a loopback address (127.0.0.1 or ::1), not '{inputs.HttpBindAddress}': the HTTP input has no authentication");
        Check(inputs.HttpMaxBodyBytes >= 1024, "Agent:Inputs:HttpMaxBodyBytes must be at least 1024");
        Check(inputs.MaxLineBytes >= 256, "Agent:Inputs:MaxLineBytes must be at least 256");
        Check(string.IsNullOrEmpty(inputs.SocketPath) || System.Text.Encoding.UTF8.GetByteCount(inputs.SocketPath) <= MaxSocketPath,
            $"Agent:Inputs:SocketPath (--socket) is longer than {MaxSocketPath} bytes");

        SimulatorOptions simulator = options.Simulator;
        Check(simulator.Devices >= 0 && simulator.Devices <= identity.Devices.Count,
            $"Agent:Simulator:Devices (--simulate) must be between 0 (off) and the number of configured devices ({identity.Devices.Count}), not {simulator.Devices}");
        Check(simulator.Speed is >= 0.01 and <= 1000, $"Agent:Simulator:Speed must be between 0.01 and 1000, not {simulator.Speed}");
        Check(simulator.RunLength >= TimeSpan.FromMinutes(1), $"Agent:Simulator:RunLength must be at least one minute, not {simulator.RunLength}");
        Check(simulator.StatusIntervalSeconds >= 1, "Agent:Simulator:StatusIntervalSeconds must be at least 1");
        foreach (string profile in simulator.Profiles)
        {
            Check(Inputs.SimulatorSource.TryParseProfile(profile, out _), $"Agent:Simulator:Profiles: unknown profile '{profile}' (expected stable, deteriorating or arrhythmic)");
        }

        BatchingOptions batching = options.Batching;
        Check(batching.MinWindow >= TimeSpan.Zero && batching.MaxWindow >= batching.MinWindow,
            $"Agent:Batching:MinWindow must be 0 or more and Agent:Batching:MaxWindow at least as long, not {batching.MinWindow} and {batching.MaxWindow}");
        Check(batching.MaxBatchSets is >= 1 and <= 10_000, $"Agent:Batching:MaxBatchSets must be between 1 and 10000, not {batching.MaxBatchSets}");
        Check(batching.BacklogThreshold >= 0, "Agent:Batching:BacklogThreshold must be 0 or more");

        OutboxOptions outbox = options.Outbox;
        Check(outbox.DiskBudgetBytes >= 16 * 1024, $"Agent:Outbox:DiskBudgetBytes must be at least 16384, not {outbox.DiskBudgetBytes}");
        Check(outbox.VitalsMaxAge >= TimeSpan.Zero && outbox.StatusMaxAge >= TimeSpan.Zero, "Agent:Outbox:VitalsMaxAge and StatusMaxAge must be 0 (never) or more");
        Check(outbox.GroupCommitMax is >= 1 and <= 100_000, $"Agent:Outbox:GroupCommitMax must be between 1 and 100000, not {outbox.GroupCommitMax}");

        Check(options.Status.Interval >= TimeSpan.FromSeconds(1), "Agent:Status:Interval must be at least 1 second");
        Check(string.IsNullOrEmpty(options.Status.Topic) || options.Status.Topic.IndexOfAny(['+', '#']) < 0, $"Agent:Status:Topic '{options.Status.Topic}' must not contain wildcards");
        Check(options.ShutdownTimeout > TimeSpan.Zero, "Agent:ShutdownTimeout must be above 0");
        return errors;
    }
}
