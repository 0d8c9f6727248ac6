using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;

namespace MqttHealth.Broker.Observability;

/// <summary>
/// Listens to the chosen meters and renders their instruments in the Prometheus text exposition format 0.0.4
/// for <c>GET /metrics</c>. Written here because no Prometheus exporter package is available to this project
/// (see DEPENDENCIES.md); it follows the OpenTelemetry-to-Prometheus naming (<see cref="PrometheusNaming"/>).
/// </summary>
/// <remarks>
/// Synchronous instruments are aggregated as they record (see <see cref="PrometheusInstrument"/>); observable
/// instruments are asked for their values on each scrape with <see cref="MeterListener.RecordObservableInstruments"/>.
/// Scrapes are serialized; recording never waits for a scrape.
/// </remarks>
public sealed class PrometheusTextExporter : IDisposable
{
    /// <summary>The Content-Type of the text format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly Func<Meter, bool> _meterFilter;
    private readonly ConcurrentDictionary<Instrument, PrometheusInstrument> _instruments = new();
    private readonly Lock _scrapeGate = new();
    private readonly MeterListener _listener;
    private int _generation;

    /// <param name="meterFilter">Which meters to export, e.g. by <see cref="Meter.Name"/>.</param>
    public PrometheusTextExporter(Func<Meter, bool> meterFilter)
    {
        _meterFilter = meterFilter ?? throw new ArgumentNullException(nameof(meterFilter));
        _listener = new MeterListener
        {
            InstrumentPublished = OnInstrumentPublished,
            MeasurementsCompleted = (instrument, _) => _instruments.TryRemove(instrument, out PrometheusInstrument? _),
        };
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((PrometheusInstrument)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((PrometheusInstrument)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<short>(static (_, value, tags, state) => ((PrometheusInstrument)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<byte>(static (_, value, tags, state) => ((PrometheusInstrument)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((PrometheusInstrument)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<float>(static (_, value, tags, state) => ((PrometheusInstrument)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<decimal>(static (_, value, tags, state) => ((PrometheusInstrument)state!).Record((double)value, tags));
        _listener.Start();
    }

    /// <summary>The current collection; observable measurements are stamped with it.</summary>
    internal int Generation => Volatile.Read(ref _generation);

    /// <summary>An exporter for the meters with these names.</summary>
    public static PrometheusTextExporter ForMeters(params string[] meterNames)
    {
        var names = new HashSet<string>(meterNames, StringComparer.Ordinal);
        return new PrometheusTextExporter(meter => names.Contains(meter.Name));
    }

    /// <summary>Collects observable instruments and returns the whole exposition text.</summary>
    public string Scrape()
    {
        lock (_scrapeGate)
        {
            int generation = Interlocked.Increment(ref _generation);
            _listener.RecordObservableInstruments();

            // Grouped by Prometheus name: HELP and TYPE must appear once per name, even if two meters share it.
            var ordered = _instruments.Values
                .OrderBy(i => i.Name, StringComparer.Ordinal)
                .ThenBy(i => i.Instrument.Meter.Name, StringComparer.Ordinal)
                .ToList();
            var builder = new StringBuilder(4096);
            string? previous = null;
            string? previousType = null;
            foreach (PrometheusInstrument instrument in ordered)
            {
                if (instrument.Name == previous)
                {
                    if (instrument.Type != previousType)
                    {
                        // Same name, different type: Prometheus would reject the whole scrape, so this one is left out.
                        continue;
                    }
                }
                else
                {
                    builder.Append("# HELP ").Append(instrument.Name).Append(' ')
                        .Append(PrometheusNaming.HelpText(instrument.Instrument.Description)).Append('\n');
                    builder.Append("# TYPE ").Append(instrument.Name).Append(' ').Append(instrument.Type).Append('\n');
                    previous = instrument.Name;
                    previousType = instrument.Type;
                }

                instrument.WriteSamples(builder, generation);
            }

            return builder.ToString();
        }
    }

    public void Dispose() => _listener.Dispose();

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        if (!_meterFilter(instrument.Meter))
        {
            return;
        }

        if (PrometheusInstrument.TryCreate(this, instrument) is { } aggregation && _instruments.TryAdd(instrument, aggregation))
        {
            listener.EnableMeasurementEvents(instrument, aggregation);
        }
    }
}
