namespace MqttHealth.Payloads.Schema;

/// <summary>One row of the waveform catalogue: a signal the SDK knows, with the code, unit and exponent a chunk of it carries.</summary>
/// <param name="Name">A short name, e.g. <c>ecg_lead_ii</c>.</param>
/// <param name="MdcCode">The IEEE 11073-10101 code, partition &lt;&lt; 16 | term.</param>
/// <param name="MdcReferenceId">The IEEE 11073-10101 reference id.</param>
/// <param name="Ucum">The UCUM unit of the decimal value.</param>
/// <param name="DisplayName">A human-readable name.</param>
/// <param name="Exponent">The usual decimal exponent of the samples.</param>
public sealed record WaveformDefinition(
    string Name, uint MdcCode, string MdcReferenceId, string Ucum, string DisplayName, int Exponent);
