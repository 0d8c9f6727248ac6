using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MqttHealth.EdgeAgent.Hosting;
using MqttHealth.EdgeAgent.Options;
using MqttHealth.Payloads.Keys;
using MqttHealth.Payloads.Sdk;

namespace MqttHealth.EdgeAgent.Pipeline;

/// <summary>
/// One <see cref="ClinicalSender"/> per configured device identity (its own epochs and sequences), with the facility
/// trust and the recipients. The senders keep their state in <c>{DataDirectory}/senders</c>. Loading fails with an
/// <see cref="AgentConfigurationException"/> naming the setting. Used by the pipeline's one thread only.
/// </summary>
public sealed class DeviceSenders : IDisposable
{
    private readonly Dictionary<string, ClinicalSender> _senders = new(StringComparer.Ordinal);
    private readonly List<KeyIdentity> _identities = [];

    private DeviceSenders(FacilityTrust trust, string stateDirectory)
    {
        Trust = trust;
        StateDirectory = stateDirectory;
    }

    public FacilityTrust Trust { get; }

    /// <summary>Where the senders' state files live (synced after every seal, see <see cref="DirectorySync"/>).</summary>
    public string StateDirectory { get; }

    /// <summary>The device names, in configuration order.</summary>
    public IReadOnlyList<string> Names => [.. _senders.Keys];

    /// <summary>The facility of the devices (all share the CA's facility).</summary>
    public string Facility { get; private set; } = string.Empty;

    public static DeviceSenders Load(AgentOptions options, TimeProvider time)
    {
        IdentityOptions identity = options.Identity;
        FacilityTrust trust = LoadTrust(identity);
        string stateDirectory = Path.GetFullPath(Path.Combine(options.DataDirectory, "senders"));
        var senders = new DeviceSenders(trust, stateDirectory);
        try
        {
            List<X509Certificate2> recipients = LoadRecipients(identity.Recipients, trust);
            for (int i = 0; i < identity.Devices.Count; i++)
            {
                DeviceIdentityOptions device = identity.Devices[i];
                string key = $"Agent:Identity:Devices:{i}";
                KeyIdentity loaded;
                try
                {
                    string passphrase = File.ReadLines(device.PassphraseFile).FirstOrDefault() ?? string.Empty;
                    loaded = KeyIdentity.Load(device.Certificate, device.Key, passphrase, trust, time);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or KeyException or CryptographicException)
                {
                    throw new AgentConfigurationException($"{key}: cannot load the identity ({ex.Message})", ex);
                }

                senders._identities.Add(loaded);
                if (senders._senders.ContainsKey(loaded.Name))
                {
                    throw new AgentConfigurationException($"{key}: device '{loaded.Name}' is configured twice");
                }

                ClinicalSender sender;
                try
                {
                    sender = new ClinicalSender(loaded, trust, stateDirectory, new ClinicalSenderOptions
                    {
                        Policy = new EpochRotationPolicy(TimeSpan.FromHours(identity.EpochHours), EpochRotationPolicy.MessagesLimit),
                        Compress = identity.Compress,
                        Time = time,
                    });
                }
                catch (KeyException ex)
                {
                    throw new AgentConfigurationException($"{key}: cannot start the sender of '{loaded.Name}' ({ex.Message})", ex);
                }

                senders._senders.Add(loaded.Name, sender);
                senders.Facility = loaded.Facts.Facility;
                foreach (X509Certificate2 recipient in recipients.Where(r => CertificateFacts.Read(r).KeyId != loaded.KeyId))
                {
                    sender.AddRecipient(recipient);
                }
            }

            return senders;
        }
        catch
        {
            senders.Dispose();
            throw;
        }
    }

    public bool TryGet(string device, out ClinicalSender sender) => _senders.TryGetValue(device, out sender!);

    public void Dispose()
    {
        foreach (ClinicalSender sender in _senders.Values)
        {
            sender.Dispose();
        }

        foreach (KeyIdentity identity in _identities)
        {
            identity.Dispose();
        }
    }

    private static FacilityTrust LoadTrust(IdentityOptions identity)
    {
        try
        {
            bool directory = Directory.Exists(identity.Ca);
            string caPath = directory ? Path.Combine(identity.Ca, "ca.crt.pem") : identity.Ca;
            string? crlPath = !string.IsNullOrEmpty(identity.Crl) ? identity.Crl
                : directory && File.Exists(Path.Combine(identity.Ca, "ca.crl.pem")) ? Path.Combine(identity.Ca, "ca.crl.pem") : null;
            X509Certificate2 ca = KeyIdentity.ParseCertificatePem(KeyIdentity.ReadText(caPath), caPath);
            return new FacilityTrust(ca, crlPath is null ? null : FacilityCrl.Parse(File.ReadAllBytes(crlPath), ca, crlPath));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or KeyException or CryptographicException)
        {
            throw new AgentConfigurationException($"Agent:Identity:Ca / Crl: cannot load the facility trust ({ex.Message})", ex);
        }
    }

    /// <summary>The recipients' certificates: every non-CA certificate of a role that may receive, not revoked.</summary>
    private static List<X509Certificate2> LoadRecipients(string directory, FacilityTrust trust)
    {
        if (!Directory.Exists(directory))
        {
            throw new AgentConfigurationException($"Agent:Identity:Recipients: '{directory}' is not a directory");
        }

        var result = new List<X509Certificate2>();
        foreach (string file in Directory.EnumerateFiles(directory, "*.pem").Order(StringComparer.Ordinal))
        {
            string text = KeyIdentity.ReadText(file);
            if (!PemEncoding.TryFind(text, out PemFields fields) || text[fields.Label] != "CERTIFICATE")
            {
                continue;
            }

            X509Certificate2 certificate = KeyIdentity.ParseCertificatePem(text, file);
            bool isCa = certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is { CertificateAuthority: true };
            if (!isCa && KeyRoles.MayReceive(CertificateFacts.Read(certificate).Role) && !(trust.Crl?.IsRevoked(certificate) ?? false))
            {
                result.Add(certificate);
            }
        }

        return result.Count > 0 ? result : throw new AgentConfigurationException($"Agent:Identity:Recipients: no recipient certificate in '{directory}' (an epoch nobody else can read is of no use)");
    }
}
