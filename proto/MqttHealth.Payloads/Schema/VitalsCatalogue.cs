using System.Diagnostics.CodeAnalysis;

namespace MqttHealth.Payloads.Schema;

/// <summary>
/// The vitals the SDK knows by name: LOINC code, IEEE 11073 MDC code, UCUM unit and usual decimal exponent of each.
/// The wire does not depend on it (samples are self-describing); <c>mqtthealth pub</c>, the JSON reading format and the
/// FHIR mapper use it to name vitals and to pick profiles. docs/payload-schema.md carries the same table with sources.
/// </summary>
public static class VitalsCatalogue
{
    // MDC codes: partition 2 (SCADA) << 16 | term code, from IEEE 11073-10101.
    public static VitalDefinition HeartRate { get; } = new("heart_rate", "8867-4", 147842, "MDC_ECG_HEART_RATE", "/min", "Heart rate", 0);

    public static VitalDefinition Spo2 { get; } = new("spo2", "59408-5", 150456, "MDC_PULS_OXIM_SAT_O2", "%", "Oxygen saturation in Arterial blood by Pulse oximetry", 0);

    public static VitalDefinition PulseRate { get; } = new("pulse_rate", "8889-8", 149530, "MDC_PULS_OXIM_PULS_RATE", "/min", "Heart rate by Pulse oximetry", 0);

    public static VitalDefinition RespiratoryRate { get; } = new("respiratory_rate", "9279-1", 151562, "MDC_RESP_RATE", "/min", "Respiratory rate", 0);

    public static VitalDefinition NibpSystolic { get; } = new("nibp_systolic", "8480-6", 150021, "MDC_PRESS_BLD_NONINV_SYS", "mm[Hg]", "Systolic blood pressure", 0);

    public static VitalDefinition NibpDiastolic { get; } = new("nibp_diastolic", "8462-4", 150022, "MDC_PRESS_BLD_NONINV_DIA", "mm[Hg]", "Diastolic blood pressure", 0);

    public static VitalDefinition NibpMean { get; } = new("nibp_mean", "8478-0", 150023, "MDC_PRESS_BLD_NONINV_MEAN", "mm[Hg]", "Mean blood pressure", 0);

    public static VitalDefinition BodyTemperature { get; } = new("body_temperature", "8310-5", 150364, "MDC_TEMP_BODY", "Cel", "Body temperature", -1);

    // 19891-1 is the partial pressure (mm[Hg]); 19889-5, used before, is the volume fraction (%) at end expiration.
    public static VitalDefinition Etco2 { get; } = new("etco2", "19891-1", 151708, "MDC_AWAY_CO2_ET", "mm[Hg]", "Carbon dioxide [Partial pressure] in Exhaled gas --at end expiration", 0);

    public static WaveformDefinition EcgLeadI { get; } = new("ecg_lead_i", 131329, "MDC_ECG_ELEC_POTL_I", "mV", "ECG lead I", -3);

    public static WaveformDefinition EcgLeadIi { get; } = new("ecg_lead_ii", 131330, "MDC_ECG_ELEC_POTL_II", "mV", "ECG lead II", -3);

    public static WaveformDefinition EcgLeadIii { get; } = new("ecg_lead_iii", 131389, "MDC_ECG_ELEC_POTL_III", "mV", "ECG lead III", -3);

    public static WaveformDefinition Pleth { get; } = new("pleth", 150452, "MDC_PULS_OXIM_PLETH", "1", "Plethysmogram", -3);

    /// <summary>Every catalogued vital, in the order of the JSON reading format.</summary>
    public static IReadOnlyList<VitalDefinition> All { get; } = Array.AsReadOnly(
        new[] { HeartRate, Spo2, PulseRate, RespiratoryRate, NibpSystolic, NibpDiastolic, NibpMean, BodyTemperature, Etco2 });

    /// <summary>Every catalogued waveform.</summary>
    public static IReadOnlyList<WaveformDefinition> AllWaveforms { get; } = Array.AsReadOnly(new[] { EcgLeadI, EcgLeadIi, EcgLeadIii, Pleth });

    /// <summary>The vital named <paramref name="name"/> (e.g. <c>heart_rate</c>); throws <see cref="ArgumentOutOfRangeException"/> for a name outside the catalogue.</summary>
    public static VitalDefinition Get(string name) =>
        TryFindByName(name, out VitalDefinition? definition)
            ? definition
            : throw new ArgumentOutOfRangeException(nameof(name), name, $"'{name}' is not a catalogued vital ({string.Join(", ", All.Select(v => v.Name))}).");

    public static bool TryFindByName(string name, [NotNullWhen(true)] out VitalDefinition? definition)
    {
        definition = All.FirstOrDefault(v => string.Equals(v.Name, name, StringComparison.Ordinal));
        return definition is not null;
    }

    /// <summary>The catalogued vital with this LOINC code, if any.</summary>
    public static bool TryFindByLoinc(string loinc, [NotNullWhen(true)] out VitalDefinition? definition)
    {
        definition = All.FirstOrDefault(v => string.Equals(v.Loinc, loinc, StringComparison.Ordinal));
        return definition is not null;
    }

    /// <summary>The catalogued vital with this IEEE 11073 MDC code, if any.</summary>
    public static bool TryFindByMdc(uint mdcCode, [NotNullWhen(true)] out VitalDefinition? definition)
    {
        definition = All.FirstOrDefault(v => v.MdcCode == mdcCode);
        return definition is not null;
    }

    /// <summary>
    /// The catalogued vital a self-describing sample is: every code the sample gives (MDC code unless 0, LOINC unless
    /// empty) and its unit must be the row's. A sample that agrees with no row is not a catalogued vital (it is still a
    /// valid sample: it carries its own codes and unit).
    /// </summary>
    public static bool TryFind(uint mdcCode, string loinc, string ucum, [NotNullWhen(true)] out VitalDefinition? definition)
    {
        ArgumentNullException.ThrowIfNull(loinc);
        ArgumentNullException.ThrowIfNull(ucum);
        definition = mdcCode == 0 && loinc.Length == 0
            ? null
            : All.FirstOrDefault(v => (mdcCode == 0 || v.MdcCode == mdcCode) && (loinc.Length == 0 || v.Loinc == loinc) && v.Ucum == ucum);
        return definition is not null;
    }

    /// <summary>The catalogued waveform with this MDC code, if any.</summary>
    public static bool TryFindWaveform(uint mdcCode, [NotNullWhen(true)] out WaveformDefinition? definition)
    {
        definition = AllWaveforms.FirstOrDefault(w => w.MdcCode == mdcCode);
        return definition is not null;
    }
}
