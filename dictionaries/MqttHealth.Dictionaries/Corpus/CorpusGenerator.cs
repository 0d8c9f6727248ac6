using Google.Protobuf;
using MqttHealth.Payloads.Clinical.V1;
using MqttHealth.Payloads.Schema;

namespace MqttHealth.Dictionaries.Corpus;

/// <summary>
/// Generates the corpus: every message a fleet of devices would publish over the run, encoded as ClinicalPayload
/// (the envelope's plaintext). Bedside monitors: one sample set per second (HR, SpO2, pulse rate, RR; EtCO2 on
/// ventilated patients; temperature every 60 s; NIBP every 15 min, measured up to 40 s before it is sent).
/// Rural gateway devices: a spot-check set every 1-10 s, batched every 10-60 s. Alarms: limit crossings with
/// hysteresis, raised in bursts (each active alarm re-announced every 10 s, several conditions together, technical
/// alarms such as a sensor off in runs), then cleared. Status: every device at a fixed interval.
/// Deterministic: the same parameters give the same bytes.
/// </summary>
internal static class CorpusGenerator
{
    public static List<CorpusMessage> Generate(CorpusParameters parameters)
    {
        var random = new SplitMix64(parameters.Seed);
        var messages = new List<CorpusMessage>();
        for (var device = 0; device < parameters.BedsideMonitors; device++)
        {
            Bedside(parameters, random, device, messages);
        }
        for (var device = 0; device < parameters.GatewayDevices; device++)
        {
            Gateway(parameters, random, device, messages);
        }
        return messages;
    }

    private static PatientProfile ProfileOf(int device) => (PatientProfile)(device % 3);

    private static void Bedside(CorpusParameters p, SplitMix64 random, int device, List<CorpusMessage> output)
    {
        var patient = new PatientSimulator(random, ProfileOf(device), p.DurationSeconds);
        var patientRef = ByteString.CopyFrom(patient.PatientRef);
        var ventilated = random.Chance(0.3);
        var jitterMs = random.Next(0, 1000);
        var nibpOffset = random.Next(0, 900);
        var status = new StatusState(random, PowerSource.Mains, LinkKind.Wifi, -55, bedside: true);
        var alarms = new AlarmTracker(random);
        var artefactUntil = -1;
        for (var second = 0; second < p.DurationSeconds; second++)
        {
            var now = p.StartUnixMs + (second * 1000L) + jitterMs + random.Next(0, 20);
            var v = patient.At(second);
            if (artefactUntil < second && random.Chance(0.004))
            {
                artefactUntil = second + random.Next(3, 20);
            }
            var set = new SampleSet { PatientRef = patientRef, TimeMs = (ulong)now };
            var artefact = second <= artefactUntil;
            AddSpotCheck(set, v, includeRr: true);
            if (ventilated)
            {
                Add(set, VitalCode.Etco2, v.Etco2);
            }
            if (second % 60 == 0)
            {
                Add(set, VitalCode.BodyTemperature, v.TemperatureTenths);
            }
            var nibp = (second + nibpOffset) % 900 == 0;
            if (nibp)
            {
                Add(set, VitalCode.NibpSystolic, v.Systolic);
                Add(set, VitalCode.NibpDiastolic, v.Diastolic);
                Add(set, VitalCode.NibpMean, v.Mean);
            }
            if (nibp || artefact)
            {
                // Per-sample columns only when something differs: the NIBP was measured earlier, or the oximeter
                // flags motion artefact on SpO2 and pulse rate.
                var measuredAgo = -random.Next(10_000, 40_000);
                foreach (var code in set.Codes)
                {
                    var isNibp = code is VitalCode.NibpSystolic or VitalCode.NibpDiastolic or VitalCode.NibpMean;
                    set.TimeOffsetsMs.Add(nibp && isNibp ? measuredAgo : 0);
                    set.Statuses.Add(artefact && code is VitalCode.Spo2 or VitalCode.PulseRate
                        ? MeasurementStatus.Questionable
                        : MeasurementStatus.Valid);
                }
            }
            output.Add(new CorpusMessage(MessageKind.SampleSet, new ClinicalPayload { SampleSet = set }.ToByteArray()));
            alarms.Step(now, patientRef, v, second <= artefactUntil, output);
            if (second % p.StatusIntervalSeconds == 0)
            {
                output.Add(status.Next(now, second));
            }
        }
    }

    private static void Gateway(CorpusParameters p, SplitMix64 random, int device, List<CorpusMessage> output)
    {
        var patient = new PatientSimulator(random, ProfileOf(device), p.DurationSeconds);
        var patientRef = ByteString.CopyFrom(patient.PatientRef);
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
            if (second % cadence == 0)
            {
                var set = new SampleSet { PatientRef = patientRef, TimeMs = (ulong)(now + random.Next(0, 30)) };
                AddSpotCheck(set, v, withRr);
                if (withTemp && second % 300 == 0)
                {
                    Add(set, VitalCode.BodyTemperature, v.TemperatureTenths);
                }
                if (second % 1800 == 0)
                {
                    Add(set, VitalCode.NibpSystolic, v.Systolic);
                    Add(set, VitalCode.NibpDiastolic, v.Diastolic);
                    Add(set, VitalCode.NibpMean, v.Mean);
                }
                pending.Add(set);
            }
            alarms.Step(now, patientRef, v, artefact: false, output);
            if (second % p.StatusIntervalSeconds == 0)
            {
                output.Add(status.Next(now, second));
            }
            if (second >= nextFlush && pending.Count > 0)
            {
                var batch = SampleSets.ToBatch(pending.ToArray(), patientRef);
                output.Add(new CorpusMessage(MessageKind.GatewayBatch, new ClinicalPayload { SampleBatch = batch }.ToByteArray()));
                pending.Clear();
                nextFlush = second + random.Next(10, 61);
            }
        }
    }

    private static void AddSpotCheck(SampleSet set, VitalSnapshot v, bool includeRr)
    {
        Add(set, VitalCode.HeartRate, v.HeartRate);
        Add(set, VitalCode.Spo2, v.Spo2);
        Add(set, VitalCode.PulseRate, v.PulseRate);
        if (includeRr)
        {
            Add(set, VitalCode.RespiratoryRate, v.RespiratoryRate);
        }
    }

    private static void Add(SampleSet set, VitalCode code, int value)
    {
        set.Codes.Add(code);
        set.Values.Add(value);
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
        private readonly Dictionary<(VitalCode, AlarmCondition), (uint Id, int Since)> _active = [];
        private uint _nextId = (uint)random.Next(1, 5000);
        private int _second;

        public void Step(long now, ByteString patientRef, VitalSnapshot v, bool artefact, List<CorpusMessage> output)
        {
            _second++;
            Check(now, patientRef, VitalCode.HeartRate, v.HeartRate, 50, 120, 5, output);
            Check(now, patientRef, VitalCode.Spo2, v.Spo2, 90, null, 2, output);
            Check(now, patientRef, VitalCode.RespiratoryRate, v.RespiratoryRate, 8, 25, 2, output);
            if (artefact && !_active.ContainsKey((VitalCode.Unspecified, AlarmCondition.SensorOff)))
            {
                _active[(VitalCode.Unspecified, AlarmCondition.SensorOff)] = (_nextId++, _second);
                output.Add(Technical(now, patientRef, AlarmCondition.SensorOff, _nextId - 1, AlarmState.Active));
            }
            else if (!artefact && _active.Remove((VitalCode.Unspecified, AlarmCondition.SensorOff), out var sensor))
            {
                output.Add(Technical(now, patientRef, AlarmCondition.SensorOff, sensor.Id, AlarmState.Cleared));
            }
        }

        private void Check(long now, ByteString patientRef, VitalCode code, int value, int? lower, int? upper, int hysteresis, List<CorpusMessage> output)
        {
            var high = upper is { } u && value > u;
            var low = lower is { } l && value < l;
            foreach (var (condition, crossed, recovered) in new[]
            {
                (AlarmCondition.AboveUpperLimit, high, upper is { } u2 && value <= u2 - hysteresis),
                (AlarmCondition.BelowLowerLimit, low, lower is { } l2 && value >= l2 + hysteresis),
            })
            {
                var key = (code, condition);
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

        private static CorpusMessage Limit(long now, ByteString patientRef, VitalCode code, AlarmCondition condition, uint id,
            AlarmState state, int value, int? lower, int? upper)
        {
            var alarm = new Alarm
            {
                PatientRef = patientRef,
                TimeMs = (ulong)now,
                AlarmId = id,
                Priority = code == VitalCode.Spo2 || condition == AlarmCondition.BelowLowerLimit ? AlarmPriority.High : AlarmPriority.Medium,
                Condition = condition,
                State = state,
                Code = code,
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
