using System.Diagnostics.CodeAnalysis;
using MqttHealth.Payloads.Clinical.V1;

namespace MqttHealth.Payloads.Schema;

/// <summary>
/// The catalogue behind <see cref="VitalCode"/> and <see cref="WaveformCode"/>: LOINC, IEEE 11073 MDC code, UCUM
/// unit and decimal exponent of each compact code. Part of schema v1: a row never changes meaning; new vitals get
/// new codes. docs/payload-schema.md carries the same table for integrators in other languages.
/// </summary>
public static class VitalsCatalogue
{
    // MDC codes: partition 2 (SCADA) << 16 | term code, from IEEE 11073-10101.
    private static readonly VitalDefinition?[] Vitals = Build(
    [
        new(VitalCode.HeartRate, "8867-4", 147842, "MDC_ECG_HEART_RATE", "/min", "Heart rate", 0),
        new(VitalCode.Spo2, "59408-5", 150456, "MDC_PULS_OXIM_SAT_O2", "%", "Oxygen saturation (SpO2)", 0),
        new(VitalCode.PulseRate, "8889-8", 149530, "MDC_PULS_OXIM_PULS_RATE", "/min", "Pulse rate (oximetry)", 0),
        new(VitalCode.RespiratoryRate, "9279-1", 151562, "MDC_RESP_RATE", "/min", "Respiratory rate", 0),
        new(VitalCode.NibpSystolic, "8480-6", 150021, "MDC_PRESS_BLD_NONINV_SYS", "mm[Hg]", "Systolic blood pressure (NIBP)", 0),
        new(VitalCode.NibpDiastolic, "8462-4", 150022, "MDC_PRESS_BLD_NONINV_DIA", "mm[Hg]", "Diastolic blood pressure (NIBP)", 0),
        new(VitalCode.NibpMean, "8478-0", 150023, "MDC_PRESS_BLD_NONINV_MEAN", "mm[Hg]", "Mean blood pressure (NIBP)", 0),
        new(VitalCode.BodyTemperature, "8310-5", 150364, "MDC_TEMP_BODY", "Cel", "Body temperature", -1),
        new(VitalCode.Etco2, "19889-5", 151708, "MDC_AWAY_CO2_ET", "mm[Hg]", "End-tidal CO2", 0),
    ]);

    private static readonly WaveformDefinition?[] Waveforms = BuildWaveforms(
    [
        new(WaveformCode.EcgLeadI, 131329, "MDC_ECG_ELEC_POTL_I", "mV", "ECG lead I", -3),
        new(WaveformCode.EcgLeadIi, 131330, "MDC_ECG_ELEC_POTL_II", "mV", "ECG lead II", -3),
        new(WaveformCode.EcgLeadIii, 131389, "MDC_ECG_ELEC_POTL_III", "mV", "ECG lead III", -3),
        new(WaveformCode.Pleth, 150452, "MDC_PULS_OXIM_PLETH", "1", "Plethysmogram", -3),
    ]);

    /// <summary>Every catalogued vital, in code order.</summary>
    public static IReadOnlyList<VitalDefinition> All { get; } = Array.AsReadOnly(Vitals.OfType<VitalDefinition>().ToArray());

    /// <summary>Every catalogued waveform, in code order.</summary>
    public static IReadOnlyList<WaveformDefinition> AllWaveforms { get; } =
        Array.AsReadOnly(Waveforms.OfType<WaveformDefinition>().ToArray());

    /// <summary>The definition of <paramref name="code"/>; throws <see cref="ArgumentOutOfRangeException"/> for a code outside the catalogue.</summary>
    public static VitalDefinition Get(VitalCode code) =>
        TryGet(code, out var definition)
            ? definition
            : throw new ArgumentOutOfRangeException(nameof(code), code, $"Vital code {(int)code} is not in the v1 catalogue.");

    public static bool TryGet(VitalCode code, [NotNullWhen(true)] out VitalDefinition? definition)
    {
        var index = (int)code;
        definition = (uint)index < (uint)Vitals.Length ? Vitals[index] : null;
        return definition is not null;
    }

    /// <summary>The definition of <paramref name="code"/>; throws <see cref="ArgumentOutOfRangeException"/> for a code outside the catalogue.</summary>
    public static WaveformDefinition Get(WaveformCode code)
    {
        var index = (int)code;
        var definition = (uint)index < (uint)Waveforms.Length ? Waveforms[index] : null;
        return definition ?? throw new ArgumentOutOfRangeException(nameof(code), code, $"Waveform code {(int)code} is not in the v1 catalogue.");
    }

    /// <summary>The compact code for a LOINC code, if the catalogue has one.</summary>
    public static bool TryFindByLoinc(string loinc, out VitalCode code)
    {
        foreach (var definition in All)
        {
            if (string.Equals(definition.Loinc, loinc, StringComparison.Ordinal))
            {
                code = definition.Code;
                return true;
            }
        }
        code = VitalCode.Unspecified;
        return false;
    }

    /// <summary>The compact code for an IEEE 11073 MDC code, if the catalogue has one.</summary>
    public static bool TryFindByMdc(uint mdcCode, out VitalCode code)
    {
        foreach (var definition in All)
        {
            if (definition.MdcCode == mdcCode)
            {
                code = definition.Code;
                return true;
            }
        }
        code = VitalCode.Unspecified;
        return false;
    }

    private static VitalDefinition?[] Build(VitalDefinition[] rows)
    {
        var table = new VitalDefinition?[rows.Max(r => (int)r.Code) + 1];
        foreach (var row in rows)
        {
            table[(int)row.Code] = row;
        }
        return table;
    }

    private static WaveformDefinition?[] BuildWaveforms(WaveformDefinition[] rows)
    {
        var table = new WaveformDefinition?[rows.Max(r => (int)r.Code) + 1];
        foreach (var row in rows)
        {
            table[(int)row.Code] = row;
        }
        return table;
    }
}
