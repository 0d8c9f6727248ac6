using Google.Protobuf;
using MqttHealth.Payloads.Clinical.V1;
using MqttHealth.Payloads.Schema;

namespace MqttHealth.Payloads.Tests.Schema;

public class ClinicalPayloadRoundTripTests
{
    private static readonly ByteString Patient = ByteString.CopyFrom(0x3A, 0x91, 0x07, 0xC4, 0x5E, 0x12, 0xF0, 0x8B);

    public static TheoryData<string, ClinicalPayload> EveryKind()
    {
        var set = new SampleSet { PatientRef = Patient, TimeMs = 1_767_225_600_123 };
        SampleSets.Add(set, VitalCode.HeartRate, 72m);
        SampleSets.Add(set, VitalCode.Spo2, 97m);
        SampleSets.Add(set, VitalCode.BodyTemperature, 37.2m);
        set.Extended.Add(new ExtendedSample { Loinc = "8302-2", Ucum = "cm", Value = 1745, Exponent = -1 });
        var nibp = new SampleSet { PatientRef = Patient, TimeMs = 1_767_225_601_000 };
        nibp.Codes.Add([VitalCode.NibpSystolic, VitalCode.NibpDiastolic, VitalCode.NibpMean]);
        nibp.Values.Add([121, 79, 93]);
        nibp.TimeOffsetsMs.Add([-30_000, -30_000, -30_000]);
        nibp.Statuses.Add([MeasurementStatus.Valid, MeasurementStatus.Questionable, MeasurementStatus.Valid]);
        var alarm = new Alarm
        {
            PatientRef = Patient, TimeMs = 1_767_225_602_000, AlarmId = 17, Priority = AlarmPriority.High,
            Condition = AlarmCondition.BelowLowerLimit, State = AlarmState.Active, Code = VitalCode.Spo2, Value = 86, LowerLimit = 90,
        };
        var status = new DeviceStatus
        {
            TimeMs = 1_767_225_603_000, BatteryPercent = 41, Power = PowerSource.Battery, Link = LinkKind.Satellite,
            SignalDbm = -103, UptimeS = 86_400, OutboxDepth = 12, Faults = { DeviceFault.LowBattery },
        };
        var waveform = new WaveformChunk
        {
            PatientRef = Patient, StartTimeMs = 1_767_225_604_000, Code = WaveformCode.EcgLeadIi, SampleRateMhz = 250_000,
            Deltas = { 120, 3, -5, 40, 310, -420, 12 },
        };
        var receipt = new Receipt
        {
            Kind = ReceiptKind.Read, SenderId = "dev-4f2a", Epoch = 3, Sequence = 9001, TimeMs = 1_767_225_605_000,
            ReaderRef = ByteString.CopyFrom(1, 2, 3, 4),
        };
        return new TheoryData<string, ClinicalPayload>
        {
            { "sample set", new ClinicalPayload { SampleSet = set } },
            { "sample set with per-sample columns", new ClinicalPayload { SampleSet = nibp } },
            { "gateway batch", new ClinicalPayload { SampleBatch = SampleSets.ToBatch([set, nibp], Patient) } },
            { "alarm", new ClinicalPayload { Alarm = alarm } },
            { "status", new ClinicalPayload { Status = status } },
            { "waveform", new ClinicalPayload { Waveform = waveform } },
            { "receipt", new ClinicalPayload { Receipt = receipt } },
        };
    }

    [Theory]
    [MemberData(nameof(EveryKind))]
    public void ClinicalPayload_EveryKind_RoundTripsThroughBytes(string kind, ClinicalPayload payload)
    {
        var bytes = payload.ToByteArray();
        var decoded = ClinicalPayload.Parser.ParseFrom(bytes);

        Assert.Equal(payload, decoded);
        Assert.NotEqual(ClinicalPayload.KindOneofCase.None, decoded.KindCase);
        Assert.True(bytes.Length > 0, kind);
    }

    [Fact]
    public void SampleSet_FourVitals_StaysCompactOnTheWire()
    {
        // 8-byte patient token, millisecond time, four catalogue vitals below 128: one byte per code and per value.
        var set = new SampleSet { PatientRef = Patient, TimeMs = 1_767_225_600_123 };
        foreach (var (code, value) in new[] { (VitalCode.HeartRate, 72m), (VitalCode.Spo2, 97m), (VitalCode.PulseRate, 71m), (VitalCode.RespiratoryRate, 16m) })
        {
            SampleSets.Add(set, code, value);
        }

        var size = new ClinicalPayload { SampleSet = set }.CalculateSize();

        // 2 (oneof) + 10 (patient) + 7 (time) + 6 (codes) + 6 (values) = 31.
        Assert.Equal(31, size);
    }

    [Fact]
    public void SampleBatch_ToBatchThenFromBatch_RestoresAbsoluteTimesAndPatients()
    {
        var other = ByteString.CopyFrom(9, 9, 9, 9);
        var sets = new[]
        {
            new SampleSet { PatientRef = Patient, TimeMs = 1_000_000, Codes = { VitalCode.HeartRate }, Values = { 70 } },
            new SampleSet { PatientRef = other, TimeMs = 1_005_000, Codes = { VitalCode.HeartRate }, Values = { 71 } },
            new SampleSet { PatientRef = Patient, TimeMs = 1_015_250, Codes = { VitalCode.HeartRate }, Values = { 72 } },
        };

        var batch = SampleSets.ToBatch(sets, Patient);
        var restored = SampleSets.FromBatch(SampleBatch.Parser.ParseFrom(batch.ToByteArray()));

        Assert.Equal([0UL, 5000UL, 10_250UL], batch.Sets.Select(s => s.TimeMs));
        Assert.True(batch.Sets[0].PatientRef.IsEmpty);
        Assert.Equal(other, batch.Sets[1].PatientRef);
        Assert.Equal(sets, restored);
    }

    [Fact]
    public void SampleBatch_SetsOutOfTimeOrder_Refused()
    {
        var sets = new[] { new SampleSet { TimeMs = 2000 }, new SampleSet { TimeMs = 1000 } };

        var error = Assert.Throws<ArgumentException>(() => SampleSets.ToBatch(sets, Patient));

        Assert.Contains("time order", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SampleSet_ValuesWithoutMatchingCodes_FailsValidation()
    {
        var set = new SampleSet { Codes = { VitalCode.HeartRate, VitalCode.Spo2 }, Values = { 70 } };

        var error = Assert.Throws<InvalidDataException>(() => SampleSets.Validate(set));

        Assert.Contains("2 codes but 1 values", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SampleSet_PerSampleExponent_OverridesCatalogue()
    {
        var set = new SampleSet { Codes = { VitalCode.BodyTemperature, VitalCode.HeartRate }, Values = { 3725, 72 }, Exponents = { -2, 0 } };

        Assert.Equal(37.25m, SampleSets.GetDecimal(set, 0));
        Assert.Equal(72m, SampleSets.GetDecimal(set, 1));
    }
}
