using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Packets;

/// <summary>CONNECT: the first packet a client sends (5.0 §3.1, 3.1.1 §3.1).</summary>
public sealed class ConnectPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Connect;

    /// <summary>Protocol Level: 4 for 3.1.1, 5 for 5.0. The packet itself says which version the connection speaks.</summary>
    public MqttProtocolVersion ProtocolVersion { get; set; } = MqttProtocolVersion.V500;

    public string ClientId { get; set; } = string.Empty;

    /// <summary>Clean Start (5.0); called Clean Session in 3.1.1.</summary>
    public bool CleanStart { get; set; } = true;

    /// <summary>Keep Alive in seconds; 0 turns the mechanism off.</summary>
    public ushort KeepAlive { get; set; }

    public string? UserName { get; set; }

    public ReadOnlyMemory<byte>? Password { get; set; }

    public MqttWill? Will { get; set; }

    /// <summary>CONNECT Properties (MQTT 5.0 only); null means none.</summary>
    public MqttProperties? Properties { get; set; }
}
