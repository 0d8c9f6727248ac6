using Google.Protobuf;
using MqttHealth.Corpus;
using MqttHealth.EdgeAgent.Hosting;
using MqttHealth.EdgeAgent.Options;
using MqttHealth.Payloads.Clinical.V1;
using MqttHealth.Payloads.Sdk;

namespace MqttHealth.EdgeAgent.Inputs;

/// <summary>
/// The built-in bedside-monitor simulator: monitor <c>i</c> is the corpus generator's bedside monitor
/// (<see cref="CorpusGenerator.Bedside"/>: one sample set a second, limit alarms in bursts, technical alarms, a status
/// every <c>StatusIntervalSeconds</c>) for device identity <c>i</c>, with its profile (stable, deteriorating,
/// arrhythmic). Every simulated second it hands that second's readings of all monitors to <see cref="ReadingIntake"/>
/// together, the same path as the other inputs: they are on disk before the next second is simulated. Sample sets
/// name the monitor's current patient (the pipeline turns it into the device's patient context, as for any input).
/// Reading times follow the wall clock at speed 1; a stay lasts <c>RunLength</c>, then the next patient is admitted.
/// </summary>
public sealed class SimulatorSource : IReadingSource
{
    private static readonly PatientProfile[] DefaultProfiles = [PatientProfile.Stable, PatientProfile.Deteriorating, PatientProfile.Arrhythmic];

    private readonly SimulatorOptions _options;
    private readonly IReadOnlyList<string> _devices;
    private readonly TimeProvider _time;
    private readonly ILogger<SimulatorSource> _logger;

    public SimulatorSource(SimulatorOptions options, IReadOnlyList<string> devices, TimeProvider time, ILogger<SimulatorSource> logger)
    {
        _options = options;
        _devices = [.. devices.Take(options.Devices)];
        _time = time;
        _logger = logger;
    }

    public string Name => "simulator";

    public static bool TryParseProfile(string name, out PatientProfile profile) =>
        Enum.TryParse(name, ignoreCase: true, out profile) && Enum.IsDefined(profile);

    /// <summary>The profile of monitor <paramref name="index"/>: the configured ones in turn (default stable, deteriorating, arrhythmic).</summary>
    public static PatientProfile ProfileOf(SimulatorOptions options, int index)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Profiles.Count == 0)
        {
            return DefaultProfiles[index % DefaultProfiles.Length];
        }

        _ = TryParseProfile(options.Profiles[index % options.Profiles.Count], out PatientProfile profile);
        return profile;
    }

    public async Task RunAsync(ReadingIntake intake, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(intake);
        ulong seed = _options.Seed != 0 ? _options.Seed : (ulong)_time.GetUtcNow().ToUnixTimeMilliseconds();
        int runSeconds = (int)_options.RunLength.TotalSeconds;
        long start = _time.GetUtcNow().ToUnixTimeMilliseconds();
        _logger.SimulatorStarted(_devices.Count, string.Join(", ", _devices.Select((d, i) => $"{d} {ProfileOf(_options, i).ToString().ToLowerInvariant()}")), _options.Speed);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / _options.Speed), _time);
        for (int run = 0; !cancellationToken.IsCancellationRequested; run++)
        {
            var monitors = new List<Monitor>(_devices.Count);
            for (int i = 0; i < _devices.Count; i++)
            {
                var parameters = new CorpusParameters(seed + (ulong)i + ((ulong)run << 32), start + (run * runSeconds * 1000L), runSeconds, 1, 0, _options.StatusIntervalSeconds);
                monitors.Add(new Monitor(_devices[i], CorpusGenerator.Bedside(parameters, ProfileOf(_options, i)).GetEnumerator()));
            }

            try
            {
                for (int second = 0; second < runSeconds; second++)
                {
                    var readings = new List<ClinicalReading>();
                    foreach (Monitor monitor in monitors)
                    {
                        monitor.Next(readings);
                    }

                    IntakeResult[] results = await intake.SubmitAsync(readings, Name, cancellationToken).ConfigureAwait(false);
                    if (results.FirstOrDefault(r => r.Id is null) is { } refused)
                    {
                        _logger.SimulatorRefused(results.Count(r => r.Id is null), refused.Error ?? string.Empty);
                    }

                    if (!await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
                    {
                        return;
                    }
                }
            }
            finally
            {
                foreach (Monitor monitor in monitors)
                {
                    monitor.Dispose();
                }
            }
        }
    }

    /// <summary>One simulated monitor: the generator's messages, as readings of its device.</summary>
    private sealed class Monitor(string device, IEnumerator<IReadOnlyList<CorpusMessage>> seconds) : IDisposable
    {
        private ByteString _patient = ByteString.Empty;

        public void Next(List<ClinicalReading> readings)
        {
            if (!seconds.MoveNext())
            {
                return;
            }

            foreach (CorpusMessage message in seconds.Current)
            {
                ClinicalPayload payload = ClinicalPayload.Parser.ParseFrom(message.Bytes);
                switch (payload.KindCase)
                {
                    case ClinicalPayload.KindOneofCase.PatientContext:
                        // The agent makes the device's patient context itself from the patient the sets name.
                        _patient = payload.PatientContext.PatientRef;
                        break;
                    case ClinicalPayload.KindOneofCase.SampleSet:
                        payload.SampleSet.Context = 0;
                        payload.SampleSet.PatientRef = _patient;
                        readings.Add(new ClinicalReading(device, payload));
                        break;
                    default:
                        readings.Add(new ClinicalReading(device, payload));
                        break;
                }
            }
        }

        public void Dispose() => seconds.Dispose();
    }
}
