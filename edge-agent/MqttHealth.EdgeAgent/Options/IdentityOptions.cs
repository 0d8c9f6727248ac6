namespace MqttHealth.EdgeAgent.Options;

/// <summary>The facility trust and the device identities the agent seals for (<c>Agent:Identity</c>).</summary>
public sealed class IdentityOptions
{
    /// <summary>The facility CA certificate (PEM), or a directory holding <c>ca.crt.pem</c> (and <c>ca.crl.pem</c>).</summary>
    public string Ca { get; set; } = string.Empty;

    /// <summary>The facility CRL (PEM); empty: <c>ca.crl.pem</c> next to the CA when there is one.</summary>
    public string? Crl { get; set; }

    /// <summary>A directory of recipient certificates (<c>*.pem</c>): every consumer that may read the readings.</summary>
    public string Recipients { get; set; } = string.Empty;

    /// <summary>The devices: one sender (epoch, sequence) each.</summary>
    public List<DeviceIdentityOptions> Devices { get; set; } = [];

    /// <summary>Epoch lifetime in hours (a new epoch key at least this often).</summary>
    public int EpochHours { get; set; } = 24;

    /// <summary>Compress payloads with the clinical-v1 dictionary.</summary>
    public bool Compress { get; set; } = true;
}
