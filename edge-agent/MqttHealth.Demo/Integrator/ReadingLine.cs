using System.Globalization;
using System.Text;
using Google.Protobuf;
using MqttHealth.Payloads.Clinical.V1;
using MqttHealth.Payloads.Schema;
using MqttHealth.Payloads.Sdk;

namespace MqttHealth.Demo.Integrator;

/// <summary>One readable line per decrypted reading: time, device, patient, the vitals with their units; alarms stand out.</summary>
public static class ReadingLine
{
    private const string Red = "\u001b[1;31m";
    private const string Dim = "\u001b[2m";
    private const string Reset = "\u001b[0m";

    public static string SampleSet(string device, SampleSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        var line = new StringBuilder();
        line.Append(Time(set.TimeMs)).Append("  ").Append(device).Append("  patient ").Append(Patient(set.PatientRef)).Append(' ');
        for (int i = 0; i < SampleSets.Count(set); i++)
        {
            VitalDefinition? vital = SampleSets.Definition(set, i);
            string name = vital?.Name ?? set.Loinc[i];
            string unit = vital?.Ucum ?? set.Ucum[i];
            line.Append(' ').Append(name).Append(' ').Append(SampleSets.GetDecimal(set, i).ToString(CultureInfo.InvariantCulture)).Append(' ').Append(unit);
            if (SampleSets.Status(set, i) != MeasurementStatus.Valid)
            {
                line.Append(" (").Append(ClinicalJson.Name(SampleSets.Status(set, i))).Append(')');
            }

            line.Append(',');
        }

        line.Length--;
        return line.ToString();
    }

    public static string Alarm(string device, Alarm alarm, bool color)
    {
        ArgumentNullException.ThrowIfNull(alarm);
        VitalDefinition? vital = VitalsCatalogue.All.FirstOrDefault(v => v.MdcCode == alarm.MdcCode && alarm.MdcCode != 0);
        var line = new StringBuilder();
        line.Append(Time(alarm.TimeMs)).Append("  ").Append(device).Append("  patient ").Append(Patient(alarm.PatientRef))
            .Append("  ALARM ").Append(ClinicalJson.Name(alarm.Priority)).Append(' ').Append(ClinicalJson.Name(alarm.Condition));
        if (vital is not null || alarm.MdcCode != 0)
        {
            line.Append(' ').Append(vital?.Name ?? alarm.Loinc);
        }

        if (alarm.HasValue)
        {
            line.Append(' ').Append(Scaled(alarm.Value, alarm.Exponent)).Append(' ').Append(alarm.Ucum);
        }

        if (alarm.HasLowerLimit || alarm.HasUpperLimit)
        {
            line.Append(" (limits ").Append(alarm.HasLowerLimit ? Scaled(alarm.LowerLimit, alarm.Exponent) : "-")
                .Append('-').Append(alarm.HasUpperLimit ? Scaled(alarm.UpperLimit, alarm.Exponent) : "-").Append(')');
        }

        line.Append(", ").Append(ClinicalJson.Name(alarm.State)).Append(", id ").Append(alarm.AlarmId.ToString(CultureInfo.InvariantCulture));
        return color ? Red + line + Reset : line.ToString();
    }

    public static string Status(string device, DeviceStatus status, bool color)
    {
        ArgumentNullException.ThrowIfNull(status);
        string line = string.Create(CultureInfo.InvariantCulture,
            $"{Time(status.TimeMs)}  {device}  status  battery {status.BatteryPercent} %, {ClinicalJson.Name(status.Power)}, {ClinicalJson.Name(status.Link)} {status.SignalDbm} dBm{(status.Faults.Count > 0 ? ", faults " + string.Join(" ", status.Faults.Select(f => ClinicalJson.Name(f))) : string.Empty)}");
        return color ? Dim + line + Reset : line;
    }

    private static string Time(ulong unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds((long)unixMs).UtcDateTime.ToString("HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Patient(ByteString patient) => patient.IsEmpty ? "(none)" : Convert.ToHexStringLower(patient.Span);

    private static string Scaled(int value, int exponent) => (value * (decimal)Math.Pow(10, exponent)).ToString(CultureInfo.InvariantCulture);
}
