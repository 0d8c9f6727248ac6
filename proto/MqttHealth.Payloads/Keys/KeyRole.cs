namespace MqttHealth.Payloads.Keys;

/// <summary>The kinds of principal the facility CA issues identities for.</summary>
public enum KeyRole
{
    /// <summary>A bedside device: sends (epoch announcements, sealed telemetry).</summary>
    Device,

    /// <summary>A clinic gateway: sends for the devices behind it, and may receive.</summary>
    Gateway,

    /// <summary>A consumer (central station, EHR integration): receives epoch secrets.</summary>
    Consumer,

    /// <summary>The broker: a TLS server and client identity; never a recipient of epoch secrets.</summary>
    Broker,
}

/// <summary>The role names used in certificates (<c>urn:mqtthealth:{role}:{name}</c>) and on the command line.</summary>
public static class KeyRoles
{
    /// <summary>The lower-case name of <paramref name="role"/>: device, gateway, consumer, broker.</summary>
    public static string ToName(KeyRole role) => role switch
    {
        KeyRole.Device => "device",
        KeyRole.Gateway => "gateway",
        KeyRole.Consumer => "consumer",
        KeyRole.Broker => "broker",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "unknown role"),
    };

    /// <summary>Parses device, gateway, consumer or broker (exact, lower case).</summary>
    public static bool TryParse(string? name, out KeyRole role)
    {
        switch (name)
        {
            case "device":
                role = KeyRole.Device;
                return true;
            case "gateway":
                role = KeyRole.Gateway;
                return true;
            case "consumer":
                role = KeyRole.Consumer;
                return true;
            case "broker":
                role = KeyRole.Broker;
                return true;
            default:
                role = default;
                return false;
        }
    }

    /// <summary>Whether a principal of this role may send epoch announcements (devices and gateways).</summary>
    public static bool MaySend(KeyRole role) => role is KeyRole.Device or KeyRole.Gateway;

    /// <summary>Whether a principal of this role may receive epoch secrets (everyone but the broker, which only routes ciphertext).</summary>
    public static bool MayReceive(KeyRole role) => role is KeyRole.Device or KeyRole.Gateway or KeyRole.Consumer;
}
