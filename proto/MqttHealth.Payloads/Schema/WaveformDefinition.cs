using MqttHealth.Payloads.Clinical.V1;

namespace MqttHealth.Payloads.Schema;

/// <summary>One row of the waveform catalogue: what a compact <see cref="WaveformCode"/> stands for.</summary>
/// <param name="Code">The compact code written in waveform chunks.</param>
/// <param name="MdcCode">The IEEE 11073-10101 code, partition &lt;&lt; 16 | term.</param>
/// <param name="MdcReferenceId">The IEEE 11073-10101 reference id.</param>
/// <param name="Ucum">The UCUM unit of the decimal value.</param>
/// <param name="DisplayName">A human-readable name.</param>
/// <param name="Exponent">The decimal exponent of the samples.</param>
public sealed record WaveformDefinition(
    WaveformCode Code, uint MdcCode, string MdcReferenceId, string Ucum, string DisplayName, int Exponent);
