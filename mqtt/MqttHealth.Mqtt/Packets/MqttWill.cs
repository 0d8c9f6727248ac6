using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Packets;

/// <summary>The Will Message of a CONNECT packet (5.0 §3.1.2.5, §3.1.3.2-3.1.3.4).</summary>
public sealed class MqttWill
{
    public string Topic { get; set; } = string.Empty;

    public ReadOnlyMemory<byte> Payload { get; set; }

    public QualityOfService QoS { get; set; }

    public bool Retain { get; set; }

    /// <summary>Will Properties (MQTT 5.0 only); null means none.</summary>
    public MqttProperties? Properties { get; set; }
}
