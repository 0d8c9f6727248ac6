namespace MqttHealth.Payloads.Schema;

/// <summary>
/// One row of the vitals catalogue: a vital the SDK knows by name, with the codes and unit a self-describing sample of
/// it carries on the wire (the wire itself needs no catalogue: every sample names its own codes, unit and exponent).
/// </summary>
/// <param name="Name">The name in the JSON reading format, e.g. <c>heart_rate</c>.</param>
/// <param name="Loinc">The LOINC code (as FHIR R4's vital-signs profile uses it).</param>
/// <param name="MdcCode">The IEEE 11073-10101 code, partition &lt;&lt; 16 | term.</param>
/// <param name="MdcReferenceId">The IEEE 11073-10101 reference id, e.g. MDC_ECG_HEART_RATE.</param>
/// <param name="Ucum">The UCUM unit of the decimal value.</param>
/// <param name="DisplayName">A human-readable name.</param>
/// <param name="Exponent">The usual decimal exponent: decimal value = scaled integer * 10^Exponent.</param>
public sealed record VitalDefinition(
    string Name, string Loinc, uint MdcCode, string MdcReferenceId, string Ucum, string DisplayName, int Exponent);
