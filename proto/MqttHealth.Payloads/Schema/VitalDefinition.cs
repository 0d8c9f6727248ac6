using MqttHealth.Payloads.Clinical.V1;

namespace MqttHealth.Payloads.Schema;

/// <summary>
/// One row of the vitals catalogue: what a compact <see cref="VitalCode"/> stands for on the wire.
/// </summary>
/// <param name="Code">The compact code written in sample sets and alarms.</param>
/// <param name="Loinc">The LOINC code (as FHIR R4's vital-signs profile uses it).</param>
/// <param name="MdcCode">The IEEE 11073-10101 code, partition &lt;&lt; 16 | term.</param>
/// <param name="MdcReferenceId">The IEEE 11073-10101 reference id, e.g. MDC_ECG_HEART_RATE.</param>
/// <param name="Ucum">The UCUM unit of the decimal value.</param>
/// <param name="DisplayName">A human-readable name.</param>
/// <param name="Exponent">The decimal exponent: decimal value = scaled integer * 10^Exponent.</param>
public sealed record VitalDefinition(
    VitalCode Code, string Loinc, uint MdcCode, string MdcReferenceId, string Ucum, string DisplayName, int Exponent);
