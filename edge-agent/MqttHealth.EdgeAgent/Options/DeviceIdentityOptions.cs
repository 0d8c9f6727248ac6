namespace MqttHealth.EdgeAgent.Options;

/// <summary>One device identity: its certificate (CN = device name, OU = unit) and its encrypted key.</summary>
public sealed class DeviceIdentityOptions
{
    public string Certificate { get; set; } = string.Empty;

    public string Key { get; set; } = string.Empty;

    /// <summary>A file holding the key's passphrase (first line).</summary>
    public string PassphraseFile { get; set; } = string.Empty;
}
