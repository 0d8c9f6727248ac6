using Google.Protobuf;
using MqttHealth.Payloads.Clinical.V1;
using MqttHealth.Payloads.Schema;

namespace MqttHealth.Corpus;

/// <summary>
/// Generates the corpus: every message a fleet of devices would publish over the run, encoded as ClinicalPayload
/// (the envelope's plaintext). Every device first publishes its PatientContext (number 1); about a quarter of them
/// change patient once during the run (a context with no patient at discharge, then the next patient's), and their
/// sample sets carry the context number in force, never the patient. Samples are self-describing (MDC code, LOINC
/// code, UCUM unit, exponent). Bedside monitors: one sample set per second (HR, SpO2, pulse rate, RR; EtCO2 on
/// ventilated patients; temperature every 60 s; NIBP every 15 min, measured up to 40 s before it is sent).
/// Rural gateway devices: a spot-check set every 1-10 s, batched every 10-60 s. Alarms (which name their patient):
/// limit crossings with hysteresis, raised in bursts (each active alarm re-announced every 10 s, several conditions
/// together, technical alarms such as a sensor off in runs), then cleared. Status: every device at a fixed interval.
/// Deterministic: the same parameters give the same bytes.
/// </summary>
public static class CorpusGenerator
{
    public static List<CorpusMessage> Generate(CorpusParameters parameters)
    {
        var random = new SplitMix64(parameters.Seed);
        // Patient changes draw from their own generator, so the physiology of a seed is the same with or without them.
        var associations = new SplitMix64(parameters.Seed ^ AssociationStream);
        var messages = new List<CorpusMessage>();
        for (var device = 0; device < parameters.BedsideMonitors; device++)
        {
            Bedside(parameters, random, associations, device, messages);
        }
        for (var device = 0; device < parameters.GatewayDevices; device++)
        {
            Gateway(parameters, random, associations, device, messages);
        }
        return messages;
    }

    private const ulong AssociationStream = 0xC0_17E8_7A55_0C1A_7EUL;

    private static PatientProfile ProfileOf(int device) => (PatientProfile)(device % 3);

    /// <summary>
    /// One bedside monitor of the given profile, second by second from <see cref="CorpusParameters.StartUnixMs"/> for
    /// <see cref="CorpusParameters.DurationSeconds"/>, seeded by <see cref="CorpusParameters.Seed"/>: each item is what the
    /// monitor publishes in that second (its first patient context in the first, then the sample set, alarms, status).
    /// The generator's own bedside monitors are made the same way, from the fleet's shared random stream.
    /// </summary>
    public static IEnumerable<IReadOnlyList<CorpusMessage>> Bedside(CorpusParameters parameters, PatientProfile profile)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var output = new List<CorpusMessage>();
        var monitor = new Monitor(parameters, new SplitMix64(parameters.Seed), new SplitMix64(parameters.Seed ^ AssociationStream), profile, output);
        for (var second = 0; second < parameters.DurationSeconds; second++)
        {
            monitor.Step(second, output);
            yield return [.. output];
            output.Clear();
        }
    }

    private static void Bedside(CorpusParameters p, SplitMix64 random, SplitMix64 associations, int device, List<CorpusMessage> output)
    {
        var monitor = new Monitor(p, random, associations, ProfileOf(device), output);
        for (var second = 0; second < p.DurationSeconds; second++)
        {
            monitor.Step(second, output);
        }
    }

    private static void Gateway(CorpusParameters p, SplitMix64 random, SplitMix64 associations, int device, List<CorpusMessage> output)
    {
        var patient = new PatientSimulator(random, ProfileOf(device), p.DurationSeconds);
        var association = new Association(associations, p, ByteString.CopyFrom(patient.PatientRef), output);
        int[] cadences = [1, 2, 5, 10];
        var cadence = cadences[random.Next(0, cadences.Length)];
        var withRr = random.Chance(0.5);
        var withTemp = random.Chance(0.5);
        var link = random.Chance(0.3) ? LinkKind.Satellite : LinkKind.Cellular2G;
        var status = new StatusState(random, PowerSource.Battery, link, -95, bedside: false);
        var alarms = new AlarmTracker(random);
        var pending = new List<SampleSet>();
        var nextFlush = random.Next(10, 61);
        var jitterMs = random.Next(0, 1000);
        for (var second = 0; second < p.DurationSeconds; second++)
        {
            var now = p.StartUnixMs + (second * 1000L) + jitterMs;
            var v = patient.At(second);
            if (association.Step(second, now) && pending.Count > 0)
            {
                Flush(pending, output); // a batch carries one context: send what belongs to the previous one first
            }
            if (second % cadence == 0)
            {
                var set = new SampleSet { Context = association.Number, TimeMs = (ulong)(now + random.Next(0, 30)) };
                AddSpotCheck(set, v, withRr);
                if (withTemp && second % 300 == 0)
                {
                    Add(set, VitalsCatalogue.BodyTemperature, v.TemperatureTenths);
                }
                if (second % 1800 == 0)
                {
                    AddNibp(set, v);
                }
                pending.Add(set);
            }
            alarms.Step(now, association.PatientRef, v, artefact: false, output);
            if (second % p.StatusIntervalSeconds == 0)
            {
                output.Add(status.Next(now, second));
            }
            if (second >= nextFlush && pending.Count > 0)
            {
                Flush(pending, output);
                nextFlush = second + random.Next(10, 61);
            }
        }
    }

    private static void Flush(List<SampleSet> pending, List<CorpusMessage> output)
    {
        var batch = SampleSets.ToBatch(pending.ToArray(), pending[0].Context, ByteString.Empty);
        output.Add(new CorpusMessage(MessageKind.GatewayBatch, new ClinicalPayload { SampleBatch = batch }.ToByteArray()));
        pending.Clear();
    }

    private static void AddSpotCheck(SampleSet set, VitalSnapshot v, bool includeRr)
    {
        Add(set, VitalsCatalogue.HeartRate, v.HeartRate);
        Add(set, VitalsCatalogue.Spo2, v.Spo2);
        Add(set, VitalsCatalogue.PulseRate, v.PulseRate);
        if (includeRr)
        {
            Add(set, VitalsCatalogue.RespiratoryRate, v.RespiratoryRate);
        }
    }

    private static void AddNibp(SampleSet set, VitalSnapshot v)
    {
        Add(set, VitalsCatalogue.NibpSystolic, v.Systolic);
        Add(set, VitalsCatalogue.NibpDiastolic, v.Diastolic);
        Add(set, VitalsCatalogue.NibpMean, v.Mean);
    }

    /// <summary>Appends a catalogued vital as a self-describing sample; the value is already scaled to the vital's exponent.</summary>
    private static void Add(SampleSet set, VitalDefinition vital, int value) =>
        SampleSets.Add(set, vital.MdcCode, vital.Loinc, vital.Ucum, vital.Exponent, value);

    /// <summary>A bedside monitor: one sample set per second, alarms, and a status every status interval.</summary>
    private sealed class Monitor
    {
        private readonly CorpusParameters _p;
        private readonly SplitMix64 _random;
        private readonly PatientSimulator _patient;
        private readonly Association _association;
        private readonly bool _ventilated;
        private readonly int _jitterMs;
        private readonly int _nibpOffset;
        private readonly StatusState _status;
        private readonly AlarmTracker _alarms;
        private int _artefactUntil = -1;

        public Monitor(CorpusParameters p, SplitMix64 random, SplitMix64 associations, PatientProfile profile, List<CorpusMessage> output)
        {
            _p = p;
            _random = random;
            _patient = new PatientSimulator(random, profile, p.DurationSeconds);
            _association = new Association(associations, p, ByteString.CopyFrom(_patient.PatientRef), output);
            _ventilated = random.Chance(0.3);
            _jitterMs = random.Next(0, 1000);
            _nibpOffset = random.Next(0, 900);
            _status = new StatusState(random, PowerSource.Mains, LinkKind.Wifi, -55, bedside: true);
            _alarms = new AlarmTracker(random);
        }

        public void Step(int second, List<CorpusMessage> output)
        {
            var p = _p;
            var random = _random;
            var now = p.StartUnixMs + (second * 1000L) + _jitterMs + random.Next(0, 20);
            var v = _patient.At(second);
            _association.Step(second, now);
            if (_artefactUntil < second && random.Chance(0.004))
            {
                _artefactUntil = second + random.Next(3, 20);
            }
            var set = new SampleSet { Context = _association.Number, TimeMs = (ulong)now };
            var artefact = second <= _artefactUntil;
            AddSpotCheck(set, v, includeRr: true);
            if (_ventilated)
            {
                Add(set, VitalsCatalogue.Etco2, v.Etco2);
            }
            if (second % 60 == 0)
            {
                Add(set, VitalsCatalogue.BodyTemperature, v.TemperatureTenths);
            }
            var nibp = (second + _nibpOffset) % 900 == 0;
            if (nibp)
            {
                AddNibp(set, v);
            }
            if (nibp || artefact)
            {
                // Per-sample columns only when something differs: the NIBP was measured earlier, or the oximeter
                // flags motion artefact on SpO2 and pulse rate.
                var measuredAgo = -random.Next(10_000, 40_000);
                foreach (var mdc in set.MdcCodes)
                {
                    var isNibp = mdc is 150021 or 150022 or 150023; // MDC_PRESS_BLD_NONINV_SYS, _DIA, _MEAN
                    set.TimeOffsetsMs.Add(nibp && isNibp ? measuredAgo : 0);
                    set.Statuses.Add(artefact && mdc == VitalsCatalogue.Spo2.MdcCode || artefact && mdc == VitalsCatalogue.PulseRate.MdcCode
                        ? MeasurementStatus.Questionable
                        : MeasurementStatus.Valid);
                }
            }
            output.Add(new CorpusMessage(MessageKind.SampleSet, new ClinicalPayload { SampleSet = set }.ToByteArray()));
            _alarms.Step(now, _association.PatientRef, v, second <= _artefactUntil, output);
            if (second % p.StatusIntervalSeconds == 0)
            {
                output.Add(_status.Next(now, second));
            }
        }
    }

    /// <summary>
    /// The device's patient context over the run: number 1 for the first patient from the start; on a quarter of the
    /// devices a discharge at a random time (a context with no patient) and, 1-5 minutes later, the next patient.
    /// Each change emits the PatientContext message the device publishes (retained) at that moment.
    /// </summary>
    private sealed class Association
    {
        private readonly SplitMix64 _random;
        private readonly List<CorpusMessage> _output;
        private readonly int _dischargeAt;
        private readonly int _admitAt;

        public Association(SplitMix64 random, CorpusParameters p, ByteString first, List<CorpusMessage> output)
        {
            _random = random;
            _output = output;
            var changes = random.Chance(0.25);
            _dischargeAt = changes ? random.Next(p.DurationSeconds / 4, p.DurationSeconds * 3 / 4) : -1;
            _admitAt = changes ? _dischargeAt + random.Next(60, 300) : -1;
            PatientRef = first;
            Emit(p.StartUnixMs);
        }

        public uint Number { get; private set; } = 1;

        /// <summary>The patient now (empty between discharge and the next admission): what alarms name directly.</summary>
        public ByteString PatientRef { get; private set; }

        /// <summary>Advances to <paramref name="second"/>; true when the context changed (its message is emitted).</summary>
        public bool Step(int second, long now)
        {
            if (second != _dischargeAt && second != _admitAt)
            {
                return false;
            }

            Number++;
            if (second == _dischargeAt)
            {
                PatientRef = ByteString.Empty;
            }
            else
            {
                var next = new byte[8];
                _random.Fill(next);
                PatientRef = ByteString.CopyFrom(next);
            }
            Emit(now);
            return true;
        }

        private void Emit(long now) =>
            _output.Add(new CorpusMessage(MessageKind.PatientContext, new ClinicalPayload
            {
                PatientContext = new PatientContext { Number = Number, PatientRef = PatientRef, SinceMs = (ulong)now },
            }.ToByteArray()));
    }

    /// <summary>A device's status over the run: battery draining (or on mains), signal wandering, occasional faults.</summary>
    private sealed class StatusState(SplitMix64 random, PowerSource power, LinkKind link, int signalCentre, bool bedside)
    {
        private double _battery = random.Uniform(40, 100);
        private int _outbox;

        public CorpusMessage Next(long now, int second)
        {
            _battery = power == PowerSource.Battery ? Math.Max(3, _battery - random.Uniform(0.05, 0.4)) : 100;
            _outbox = bedside ? 0 : Math.Max(0, _outbox + random.Next(-20, 25));
            var status = new DeviceStatus
            {
                TimeMs = (ulong)now,
                BatteryPercent = (uint)Math.Round(_battery),
                Power = power,
                Link = link,
                SignalDbm = signalCentre + (int)Math.Round(random.Gaussian(6)),
                UptimeS = (uint)(3600 + second),
                OutboxDepth = (uint)_outbox,
            };
            if (_battery < 15)
            {
                status.Faults.Add(DeviceFault.LowBattery);
            }
            if (random.Chance(0.02))
            {
                status.Faults.Add(bedside ? DeviceFault.LeadOff : DeviceFault.SensorOff);
            }
            return new CorpusMessage(MessageKind.Status, new ClinicalPayload { Status = status }.ToByteArray());
        }
    }

    /// <summary>Limit alarms with hysteresis, re-announced while active, cleared when the value recovers.</summary>
    private sealed class AlarmTracker(SplitMix64 random)
    {
        private readonly Dictionary<(uint Mdc, AlarmCondition), (uint Id, int Since)> _active = [];
        private uint _nextId = (uint)random.Next(1, 5000);
        private int _second;

        public void Step(long now, ByteString patientRef, VitalSnapshot v, bool artefact, List<CorpusMessage> output)
        {
            _second++;
            Check(now, patientRef, VitalsCatalogue.HeartRate, v.HeartRate, 50, 120, 5, output);
            Check(now, patientRef, VitalsCatalogue.Spo2, v.Spo2, 90, null, 2, output);
            Check(now, patientRef, VitalsCatalogue.RespiratoryRate, v.RespiratoryRate, 8, 25, 2, output);
            if (artefact && !_active.ContainsKey((0, AlarmCondition.SensorOff)))
            {
                _active[(0, AlarmCondition.SensorOff)] = (_nextId++, _second);
                output.Add(Technical(now, patientRef, AlarmCondition.SensorOff, _nextId - 1, AlarmState.Active));
            }
            else if (!artefact && _active.Remove((0, AlarmCondition.SensorOff), out var sensor))
            {
                output.Add(Technical(now, patientRef, AlarmCondition.SensorOff, sensor.Id, AlarmState.Cleared));
            }
        }

        private void Check(long now, ByteString patientRef, VitalDefinition code, int value, int? lower, int? upper, int hysteresis, List<CorpusMessage> output)
        {
            var high = upper is { } u && value > u;
            var low = lower is { } l && value < l;
            foreach (var (condition, crossed, recovered) in new[]
            {
                (AlarmCondition.AboveUpperLimit, high, upper is { } u2 && value <= u2 - hysteresis),
                (AlarmCondition.BelowLowerLimit, low, lower is { } l2 && value >= l2 + hysteresis),
            })
            {
                var key = (code.MdcCode, condition);
                if (_active.TryGetValue(key, out var active))
                {
                    if (recovered)
                    {
                        _active.Remove(key);
                        output.Add(Limit(now, patientRef, code, condition, active.Id, AlarmState.Cleared, value, lower, upper));
                    }
                    else if ((_second - active.Since) % 10 == 0)
                    {
                        var state = random.Chance(0.2) ? AlarmState.Acknowledged : AlarmState.Active;
                        output.Add(Limit(now, patientRef, code, condition, active.Id, state, value, lower, upper));
                    }
                }
                else if (crossed)
                {
                    _active[key] = (_nextId++, _second);
                    output.Add(Limit(now, patientRef, code, condition, _nextId - 1, AlarmState.Active, value, lower, upper));
                }
            }
        }

        private static CorpusMessage Limit(long now, ByteString patientRef, VitalDefinition code, AlarmCondition condition, uint id,
            AlarmState state, int value, int? lower, int? upper)
        {
            var alarm = new Alarm
            {
                PatientRef = patientRef,
                TimeMs = (ulong)now,
                AlarmId = id,
                Priority = code == VitalsCatalogue.Spo2 || condition == AlarmCondition.BelowLowerLimit ? AlarmPriority.High : AlarmPriority.Medium,
                Condition = condition,
                State = state,
                MdcCode = code.MdcCode,
                Loinc = code.Loinc,
                Ucum = code.Ucum,
                Exponent = code.Exponent,
                Value = value,
            };
            if (lower is { } l)
            {
                alarm.LowerLimit = l;
            }
            if (upper is { } u)
            {
                alarm.UpperLimit = u;
            }
            return new CorpusMessage(MessageKind.Alarm, new ClinicalPayload { Alarm = alarm }.ToByteArray());
        }

        private static CorpusMessage Technical(long now, ByteString patientRef, AlarmCondition condition, uint id, AlarmState state) =>
            new(MessageKind.Alarm, new ClinicalPayload
            {
                Alarm = new Alarm
                {
                    PatientRef = patientRef,
                    TimeMs = (ulong)now,
                    AlarmId = id,
                    Priority = AlarmPriority.Low,
                    Condition = condition,
                    State = state,
                },
            }.ToByteArray());
    }
}
