using Google.Protobuf;
using MqttHealth.Payloads.Clinical.V1;
using MqttHealth.Payloads.Schema;

namespace MqttHealth.Payloads.Tests.Schema;

public class ClinicalPayloadRoundTripTests
{
    private static readonly ByteString Patient = ByteString.CopyFrom(0x3A, 0x91, 0x07, 0xC4, 0x5E, 0x12, 0xF0, 0x8B);

    public static TheoryData<string, ClinicalPayload> EveryKind()
    {
        var set = new SampleSet { Context = 3, TimeMs = 1_767_225_600_123 };
        SampleSets.Add(set, VitalsCatalogue.HeartRate, 72m);
        SampleSets.Add(set, VitalsCatalogue.Spo2, 97m);
        SampleSets.Add(set, VitalsCatalogue.BodyTemperature, 37.2m);
        SampleSets.Add(set, 0, "8302-2", "cm", -1, 1745); // body height: outside the catalogue, self-describing all the same
        var nibp = new SampleSet { PatientRef = Patient, TimeMs = 1_767_225_601_000 };
        foreach (var (vital, value) in new[] { (VitalsCatalogue.NibpSystolic, 121m), (VitalsCatalogue.NibpDiastolic, 79m), (VitalsCatalogue.NibpMean, 93m) })
        {
            SampleSets.Add(nibp, vital, value);
        }
        nibp.TimeOffsetsMs.Add([-30_000, -30_000, -30_000]);
        nibp.Statuses.Add([MeasurementStatus.Valid, MeasurementStatus.Questionable, MeasurementStatus.Valid]);
        var alarm = new Alarm
        {
            PatientRef = Patient, TimeMs = 1_767_225_602_000, AlarmId = 17, Priority = AlarmPriority.High,
            Condition = AlarmCondition.BelowLowerLimit, State = AlarmState.Active,
            MdcCode = VitalsCatalogue.Spo2.MdcCode, Loinc = VitalsCatalogue.Spo2.Loinc, Ucum = "%", Value = 86, LowerLimit = 90,
        };
        var status = new DeviceStatus
        {
            TimeMs = 1_767_225_603_000, BatteryPercent = 41, Power = PowerSource.Battery, Link = LinkKind.Satellite,
            SignalDbm = -103, UptimeS = 86_400, OutboxDepth = 12, Faults = { DeviceFault.LowBattery },
        };
        var waveform = new WaveformChunk
        {
            PatientRef = Patient, StartTimeMs = 1_767_225_604_000, MdcCode = VitalsCatalogue.EcgLeadIi.MdcCode, Ucum = "mV", Exponent = -3,
            SampleRateMhz = 250_000, Deltas = { 120, 3, -5, 40, 310, -420, 12 },
        };
        var receipt = new Receipt
        {
            Kind = ReceiptKind.Read, SenderId = "dev-4f2a", Epoch = 3, Sequence = 9001, TimeMs = 1_767_225_605_000,
            ReaderRef = ByteString.CopyFrom(1, 2, 3, 4),
        };
        var context = new PatientContext { Number = 3, PatientRef = Patient, SinceMs = 1_767_225_500_000 };
        return new TheoryData<string, ClinicalPayload>
        {
            { "sample set", new ClinicalPayload { SampleSet = set } },
            { "sample set with per-sample columns", new ClinicalPayload { SampleSet = nibp } },
            { "gateway batch", new ClinicalPayload { SampleBatch = SampleSets.ToBatch([set, nibp], 3, ByteString.Empty) } },
            { "alarm", new ClinicalPayload { Alarm = alarm } },
            { "status", new ClinicalPayload { Status = status } },
            { "waveform", new ClinicalPayload { Waveform = waveform } },
            { "receipt", new ClinicalPayload { Receipt = receipt } },
            { "patient context", new ClinicalPayload { PatientContext = context } },
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
    public void SampleSet_SelfDescribing_DecodesWithoutTheCatalogue()
    {
        var set = new SampleSet { Context = 1, TimeMs = 1_767_225_600_123 };
        SampleSets.Add(set, VitalsCatalogue.BodyTemperature, 37.2m);
        SampleSets.Add(set, 0, "8302-2", "cm", -1, 1745);

        var decoded = ClinicalPayload.Parser.ParseFrom(new ClinicalPayload { SampleSet = set }.ToByteArray()).SampleSet;

        // Every sample names its own codes, unit and exponent: nothing is looked up to read it.
        Assert.Equal([150364u, 0u], decoded.MdcCodes);
        Assert.Equal(["8310-5", "8302-2"], decoded.Loinc);
        Assert.Equal(["Cel", "cm"], decoded.Ucum);
        Assert.Equal([-1, -1], decoded.Exponents);
        Assert.Equal(37.2m, SampleSets.GetDecimal(decoded, 0));
        Assert.Equal(174.5m, SampleSets.GetDecimal(decoded, 1));
        Assert.Equal(VitalsCatalogue.BodyTemperature, SampleSets.Definition(decoded, 0));
        Assert.Null(SampleSets.Definition(decoded, 1));
    }

    [Fact]
    public void SampleSet_FourVitals_IdentifyingColumnsFirstEntropyLast()
    {
        var set = new SampleSet { Context = 1, TimeMs = 1_767_225_600_123 };
        foreach (var (vital, value) in new[] { (VitalsCatalogue.HeartRate, 72m), (VitalsCatalogue.Spo2, 97m), (VitalsCatalogue.PulseRate, 71m), (VitalsCatalogue.RespiratoryRate, 16m) })
        {
            SampleSets.Add(set, vital, value);
        }

        var bytes = set.ToByteArray();

        // 2 (oneof) + 74 (MDC 14, LOINC 33, UCUM 21, exponents 6) + 6 (values) + 2 (context) + 7 (time), as
        // docs/payload-schema.md says; the dictionary removes the 74.
        Assert.Equal(91, new ClinicalPayload { SampleSet = set }.CalculateSize());

        // Field order on the wire: MDC codes (1), LOINC (2), UCUM (3), exponents (4), values (5), context (8), time (10).
        Assert.Equal((1 << 3) | 2, bytes[0]);
        Assert.Equal((10 << 3) | 0, bytes[^7]);
        // Two sets of the same vitals differ only after the identifying columns: the dictionary matches them as one run.
        var other = set.Clone();
        other.Values[0] = 73;
        other.TimeMs += 1000;
        var identifying = Without(set, s =>
        {
            s.MdcCodes.Clear();
            s.Loinc.Clear();
            s.Ucum.Clear();
            s.Exponents.Clear();
        });
        Assert.Equal(identifying + 2, bytes.AsSpan().CommonPrefixLength(other.ToByteArray())); // + the values' tag and length
    }

    [Fact]
    public void SampleBatch_ToBatchThenFromBatch_RestoresAbsoluteTimesAndTheBatchContext()
    {
        var other = ByteString.CopyFrom(9, 9, 9, 9);
        var sets = new[]
        {
            Set(1_000_000, 70, context: 4),
            Set(1_005_000, 71, context: 0, patient: other),
            Set(1_015_250, 72, context: 4),
        };

        var batch = SampleSets.ToBatch(sets, 4, ByteString.Empty);
        var restored = SampleSets.FromBatch(SampleBatch.Parser.ParseFrom(batch.ToByteArray()));

        Assert.Equal([0UL, 5000UL, 10_250UL], batch.Sets.Select(s => s.TimeMs));
        Assert.Equal(0u, batch.Sets[0].Context); // inherits the batch's
        Assert.Equal(other, batch.Sets[1].PatientRef);
        Assert.Equal(sets, restored);
    }

    [Fact]
    public void SampleBatch_SetsOutOfTimeOrder_Refused()
    {
        var sets = new[] { new SampleSet { TimeMs = 2000 }, new SampleSet { TimeMs = 1000 } };

        var error = Assert.Throws<ArgumentException>(() => SampleSets.ToBatch(sets, 1, ByteString.Empty));

        Assert.Contains("time order", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SampleSet_ColumnsOfDifferentLengths_FailValidation()
    {
        var set = Set(1000, 70, context: 1);
        set.Ucum.Add("%");

        var error = Assert.Throws<InvalidDataException>(() => SampleSets.Validate(set));

        Assert.Contains("1 values but 2 UCUM units", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0u, "", "/min", "neither an MDC code nor a LOINC code")]
    [InlineData(147842u, "8867-4", "", "no UCUM unit")]
    public void SampleSet_SampleWithoutIdentityOrUnit_FailsValidation(uint mdc, string loinc, string ucum, string expected)
    {
        var set = new SampleSet { MdcCodes = { mdc }, Loinc = { loinc }, Ucum = { ucum }, Exponents = { 0 }, Values = { 70 } };

        Assert.Contains(expected, Assert.Throws<InvalidDataException>(() => SampleSets.Validate(set)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SampleSet_PerSampleExponent_GivesTheExactDecimal()
    {
        var set = new SampleSet();
        SampleSets.Add(set, VitalsCatalogue.BodyTemperature.MdcCode, VitalsCatalogue.BodyTemperature.Loinc, "Cel", -2, 3725);
        SampleSets.Add(set, VitalsCatalogue.HeartRate, 72m);

        Assert.Equal(37.25m, SampleSets.GetDecimal(set, 0));
        Assert.Equal(72m, SampleSets.GetDecimal(set, 1));
        Assert.Equal(VitalsCatalogue.BodyTemperature, SampleSets.Definition(set, 0)); // another exponent, the same vital
    }

    private static SampleSet Set(ulong time, int heartRate, uint context, ByteString? patient = null)
    {
        var set = new SampleSet { TimeMs = time, Context = context, PatientRef = patient ?? ByteString.Empty };
        SampleSets.Add(set, VitalsCatalogue.HeartRate, heartRate);
        return set;
    }

    private static int Without(SampleSet set, Action<SampleSet> clear)
    {
        var copy = set.Clone();
        clear(copy);
        return set.CalculateSize() - copy.CalculateSize();
    }
}
