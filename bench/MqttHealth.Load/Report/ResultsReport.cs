using System.Globalization;
using System.Text;
using MqttHealth.Bench.Load.Brokers;
using MqttHealth.Bench.Load.CrossCheck;
using MqttHealth.Bench.Load.Idle;
using MqttHealth.Bench.Load.Scenarios;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Bench.Load.Report;

/// <summary>
/// Renders the comparison as the generated section of bench/RESULTS.md: the machine, the targets with their
/// verdicts, the tables of medians and ratios, and every run's raw figures.
/// </summary>
internal sealed class ResultsReport(
    LoadOptions options,
    MachineInfo machine,
    IReadOnlyList<Scenario> scenarios,
    IReadOnlyList<RunResult> saturation,
    IReadOnlyList<RunResult> paced,
    IReadOnlyList<IdleResult> idle,
    IReadOnlyList<CrossCheckResult> crossChecks,
    TimeSpan elapsed)
{
    /// <summary>Idle memory target per connection (issue 4).</summary>
    public const double IdleBytesTarget = 8 * 1024;

    private static readonly BrokerKind[] Ours = [BrokerKind.MqttHealthSqlite, BrokerKind.MqttHealthMemory];
    private readonly StringBuilder _md = new();

    public bool AllRunsSucceeded =>
        saturation.Concat(paced).All(r => r.Succeeded) && crossChecks.All(c => c.Error is null) && idle.All(i => i.Established > 0);

    private static CultureInfo Invariant => CultureInfo.InvariantCulture;

    public string Render()
    {
        _md.Clear();
        Line("## MqttHealth and Mosquitto side by side (load generator)");
        Line();
        Line("```sh");
        Line("bash bench/run" + (options.CommandLine.Length > 0 ? " " + options.CommandLine : string.Empty));
        Line("```");
        Line();
        Line(string.Create(Invariant, $"Measured {machine.Started:yyyy-MM-dd HH:mm} UTC in {elapsed.TotalMinutes:0.0} minutes. Machine: {machine.OperatingSystem}, kernel {machine.Kernel}; {machine.Cpu}, {machine.Cores} cores; {machine.MemoryBytes / (1024.0 * 1024 * 1024):0.#} GiB; {machine.Runtime}. Commit {machine.Commit}. Broker data directories in {machine.TempFileSystem}. Load average (1, 5, 15 min) {machine.LoadAverageAtStart} at the start, {MachineInfo.LoadAverage()} at the end."));
        Line();
        Line("Everything ran on this one machine in this one run: the brokers, each its own process on its own loopback port, and the load generator (`bench/MqttHealth.Load`, our `mqtt/` client, MQTT 5.0), which shares the same cores. How it measures: [docs/benchmarks.md](../docs/benchmarks.md).");
        Line();
        Line("Brokers:");
        Line();
        foreach (string description in Descriptions())
        {
            Line($"- {description}");
        }

        Line();
        Line("**Mosquitto does not fsync per message** (nor write per message at all: its database is saved every 30 minutes and at exit), so a QoS 1/2 message it acknowledged is lost when it is killed before the next save. MqttHealth (SQLite) acknowledges a QoS 1/2 PUBLISH only once it is on disk (fsync, group commit); MqttHealth (in-memory) is the like-for-like comparison with Mosquitto's durability.");
        Line();
        Targets();
        Throughput();
        PacedLatency();
        CpuAndMemory();
        Idle();
        CrossChecks();
        Raw();
        return _md.ToString();
    }

    private IEnumerable<string> Descriptions() =>
        options.Brokers.Select(kind => kind switch
        {
            BrokerKind.Mosquitto => $"{kind.Label()}: {machine.MosquittoVersion}, " + "Debian's packaged mode (persistence on, autosave every 1800 s), max_inflight_messages 256, max_queued_messages 10000, set_tcp_nodelay true, sys_interval 0.",
            BrokerKind.MqttHealthSqlite => $"{kind.Label()}: SQLite WAL, synchronous=FULL, group commit; Receive Maximum 256, 10,000 queued messages per session, `$SYS` off.",
            _ => $"{kind.Label()}: `--storage memory`, otherwise the same.",
        });

    private void Targets()
    {
        Line("### Targets");
        Line();
        Line("Ratios are MqttHealth / Mosquitto, medians of the rounds, from this run. Throughput: above 1 is better; latency: below 1 is better.");
        Line();
        Line("| Target | Measured | Verdict |");
        Line("|---|---|---|");
        foreach (int size in options.Payloads)
        {
            foreach (QualityOfService qos in new[] { QualityOfService.AtLeastOnce, QualityOfService.ExactlyOnce })
            {
                Scenario? s = Find(Shape.OneToOne, qos, size);
                double? ratio = s is null ? null : ThroughputRatio(BrokerKind.MqttHealthSqlite, s);
                Line($"| Durable (SQLite) QoS {(int)qos} 1:1 throughput at least Mosquitto's, {Payload(size)} | {Ratio(ratio)} | {Verdict(ratio, r => r >= 1)} |");
            }
        }

        foreach (int size in options.Payloads)
        {
            Scenario? s = Find(Shape.FanOut, QualityOfService.AtMostOnce, size);
            foreach (BrokerKind ours in Ours)
            {
                double? ratio = s is null ? null : ThroughputRatio(ours, s);
                Line($"| QoS 0 fan-out at least 2x Mosquitto's, {Payload(size)}, {ours.Label()} | {Ratio(ratio)} | {Verdict(ratio, r => r >= 2)} |");
            }
        }

        foreach (BrokerKind ours in Ours)
        {
            var ratios = scenarios.Select(s => (Scenario: s, Ratio: PacedP99Ratio(ours, s))).Where(x => x.Ratio is not null).ToList();
            if (ratios.Count == 0)
            {
                continue;
            }

            int met = ratios.Count(x => x.Ratio <= 1);
            string missed = string.Join(", ", ratios.Where(x => x.Ratio > 1).Select(x => string.Create(Invariant, $"{x.Scenario.Name} ({x.Ratio:0.00}x)")));
            Line($"| p99 latency at half of Mosquitto's saturation rate no worse than Mosquitto's, {ours.Label()} | {met} of {ratios.Count} scenarios{(missed.Length > 0 ? "; worse in " + missed : string.Empty)} | {(met == ratios.Count ? "met" : "**missed**")} |");
        }

        foreach (IGrouping<int, IdleResult> count in idle.GroupBy(i => i.Requested))
        {
            foreach (IdleResult result in count.Where(r => r.Broker != BrokerKind.Mosquitto))
            {
                string measured = result.Established > 0 ? string.Create(Invariant, $"{result.BytesPerConnection / 1024:0.0} KB over {result.Established:N0} connections") : "not measured";
                string verdict = result.Established == 0 ? "not measured"
                    : result.BytesPerConnection > IdleBytesTarget ? "**missed**"
                    : result.Established < result.Requested ? string.Create(Invariant, $"met at the {result.Established:N0} that fit; {count.Key:N0} not reachable on this machine (see Idle connections)")
                    : "met";
                Line($"| Idle memory per connection at most 8 KB, {count.Key:N0} connections, {result.Broker.Label()} | {measured} | {verdict} |");
            }
        }

        Line();
    }

    private void Throughput()
    {
        Line("### Throughput at saturation");
        Line();
        Line($"Messages delivered to subscribers per second (median of {options.Rounds} round{(options.Rounds == 1 ? string.Empty : "s")} per scenario and broker; the brokers alternate run by run). Fan-in: {options.Fan} publishers, each on its own topic, one subscriber on `+`; fan-out: one publisher, {options.Fan} subscribers. The publisher keeps a bounded window of messages published but not yet delivered (1:1: 1,024; fan-in and fan-out: 64 per publisher), so this is the rate with bounded queues, not the rate at which a broker can accept messages it then buffers.");
        Line();
        var header = new StringBuilder("| Scenario | Mosquitto |");
        var rule = new StringBuilder("|---|---:|");
        foreach (BrokerKind ours in Ours.Where(options.Brokers.Contains))
        {
            header.Append(CultureInfo.InvariantCulture, $" {ours.Label()} | ratio |");
            rule.Append("---:|---:|");
        }

        Line(header.ToString());
        Line(rule.ToString());
        foreach (Scenario s in scenarios)
        {
            var row = new StringBuilder($"| {s.Name} | {Rate(Median(BrokerKind.Mosquitto, s, r => r.DeliveredPerSecond))} |");
            foreach (BrokerKind ours in Ours.Where(options.Brokers.Contains))
            {
                row.Append(CultureInfo.InvariantCulture, $" {Rate(Median(ours, s, r => r.DeliveredPerSecond))} | {Ratio(ThroughputRatio(ours, s))} |");
            }

            Line(row.ToString());
        }

        Line();
        Line("Acknowledged publishes per second (QoS 1: PUBACK; QoS 2: PUBCOMP; QoS 0: handed to the socket) and latency at saturation (p50 / p99 / p99.9 in microseconds, from the send timestamp in the payload to the subscriber's receipt; at saturation this is mostly the time a message waits behind the window):");
        Line();
        Line("| Scenario | Broker | Acked/s | p50 | p99 | p99.9 |");
        Line("|---|---|---:|---:|---:|---:|");
        foreach (Scenario s in scenarios)
        {
            foreach (BrokerKind kind in options.Brokers)
            {
                Line($"| {s.Name} | {kind.Label()} | {Rate(Median(kind, s, r => r.AcknowledgedPerSecond))} | {Micros(Median(kind, s, r => r.Latency.P50))} | {Micros(Median(kind, s, r => r.Latency.P99))} | {Micros(Median(kind, s, r => r.Latency.P999))} |");
            }
        }

        Line();
    }

    private void PacedLatency()
    {
        if (paced.Count == 0)
        {
            return;
        }

        Line(options.FixedRate is double rate ? string.Create(Invariant, $"### Latency at {rate:N0} deliveries per second") : "### Latency at half of Mosquitto's saturation rate");
        Line();
        Line($"Each scenario {Times(options.FixedRate is null ? options.PacedRounds : options.Rounds)} per broker (the brokers' order rotating), paced at {(options.FixedRate is double fixedRate ? string.Create(Invariant, $"{fixedRate:N0} deliveries per second (--rate)") : "half of Mosquitto's median saturation rate above")}, with sends released every millisecond by a timer thread. Medians over the rounds of p50 / p99 / p99.9 in microseconds; the ratio is MqttHealth's p99 / Mosquitto's p99 (below 1 is better). \"Achieved\" is the delivered rate, which falls short of the requested one only when a broker (or the generator) cannot keep up. Failed runs are left out here (the raw figures below have them).");
        Line();
        Line("| Scenario | Rate requested | Broker | Achieved | p50 | p99 | p99.9 | p99 ratio |");
        Line("|---|---:|---|---:|---:|---:|---:|---:|");
        foreach (Scenario s in scenarios)
        {
            foreach (BrokerKind kind in options.Brokers)
            {
                RunResult? first = paced.FirstOrDefault(r => r.Scenario == s && r.Broker == kind);
                if (first is null)
                {
                    continue;
                }

                string ratio = kind == BrokerKind.Mosquitto ? string.Empty : Ratio(PacedP99Ratio(kind, s));
                Line($"| {s.Name} | {Rate(first.Mode.DeliveriesPerSecond)} | {kind.Label()} | {Rate(PacedMedian(kind, s, r => r.DeliveredPerSecond))} | {Micros(PacedMedian(kind, s, r => r.Latency.P50))} | {Micros(PacedMedian(kind, s, r => r.Latency.P99))} | {Micros(PacedMedian(kind, s, r => r.Latency.P999))} | {ratio} |");
            }
        }

        Line();
    }

    private void CpuAndMemory()
    {
        Line("### Broker CPU and memory at saturation");
        Line();
        Line("CPU: the broker process's user + system time over the measurement interval (/proc/PID/stat), in percent of one core and in microseconds per delivered message. Peak RSS: VmHWM, reset at the start of each run (/proc/PID/clear_refs), so it covers the run's connections and traffic; all brokers stay up for the whole matrix, so MqttHealth's figure includes managed heap the GC has kept from earlier runs. \"Load generator\" is the generator's own CPU, which shares the machine's cores with the broker.");
        Line();
        Line("| Scenario | Broker | Broker CPU | CPU per delivery | Peak RSS | Load generator CPU |");
        Line("|---|---|---:|---:|---:|---:|");
        foreach (Scenario s in scenarios)
        {
            foreach (BrokerKind kind in options.Brokers)
            {
                Line(string.Create(Invariant, $"| {s.Name} | {kind.Label()} | {Percent(Median(kind, s, r => r.BrokerCpuPercent))} | {Micros(Median(kind, s, r => r.BrokerCpuMicrosecondsPerDelivery), "0.00")} | {MiB(Median(kind, s, r => r.BrokerPeakRssBytes))} | {Percent(Median(kind, s, r => r.GeneratorCpuPercent))} |"));
            }
        }

        Line();
    }

    private void Idle()
    {
        if (idle.Count == 0)
        {
            return;
        }

        Line("### Idle connections");
        Line();
        Line(string.Create(Invariant, $"MQTT 5.0 connections (clean start, keep alive 0) from raw sockets bound to several loopback source addresses (127.0.R.2 upwards, at most {IdleConnectionBench.ConnectionsPerAddress:N0} per address, under the per-address connection limit and the ephemeral ports of one address), each CONNECT answered with a successful CONNACK, then left idle. A fresh broker per measurement. Per connection: (RSS once all are connected and RSS has settled - RSS before the first, settled too) / connections established. Setup rate: connections established per second, 64 handshakes at a time. A count that needs more file descriptors than the broker may open (its hard limit, `ulimit -Hn`) is measured at the most that fit, and the note says so."));
        Line();
        Line("| Broker | Requested | Established | RSS before | RSS after | Per connection | Setup rate | Note |");
        Line("|---|---:|---:|---:|---:|---:|---:|---|");
        foreach (IdleResult r in idle)
        {
            Line(string.Create(Invariant, $"| {r.Broker.Label()} | {r.Requested:N0} | {r.Established:N0} | {MiB(r.RssBeforeBytes)} | {MiB(r.RssAfterBytes)} | {r.BytesPerConnection / 1024:0.00} KB | {r.ConnectionsPerSecond:N0}/s | {r.Limit ?? string.Empty} |"));
        }

        Line();
    }

    private void CrossChecks()
    {
        if (crossChecks.Count == 0)
        {
            return;
        }

        Line("### Cross-check with Mosquitto's own clients");
        Line();
        Line("One 1:1 stream with tools we did not write: `mosquitto_sub -C N` subscribed first, then `mosquitto_pub -l` fed N lines on stdin; the rate is N over the time from the first line written until `mosquitto_sub` exits with all N. Both tools' own limits (libmosquitto's in-flight window, one line per message) are the same for every broker.");
        Line();
        Line("| Broker | QoS | Messages | Seconds | Messages/s | Note |");
        Line("|---|---:|---:|---:|---:|---|");
        foreach (CrossCheckResult c in crossChecks)
        {
            Line(string.Create(Invariant, $"| {c.Broker.Label()} | {(int)c.QoS} | {c.Received:N0} of {c.Sent:N0} | {c.ElapsedSeconds:0.00} | {c.MessagesPerSecond:N0} | {c.Error ?? string.Empty} |"));
        }

        Line();
    }

    private void Raw()
    {
        Line("### Raw figures: every run");
        Line();
        Line("<details><summary>Every saturation and paced run, in the order run</summary>");
        Line();
        Line("| Scenario | Broker | Mode | Round | Seconds | Published | Delivered | Delivered/s | Acked/s | p50 us | p99 us | p99.9 us | max us | Broker CPU s | Peak RSS | Generator CPU s | Lost | Error |");
        Line("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (RunResult r in saturation.Concat(paced))
        {
            string mode = r.Mode.DeliveriesPerSecond is double rate ? string.Create(Invariant, $"paced {rate:N0}/s") : "saturation";
            Line(string.Create(Invariant, $"| {r.Scenario.Name} | {r.Broker.Key()} | {mode} | {r.Round} | {r.Seconds:0.000} | {r.Published:N0} | {r.Delivered:N0} | {r.DeliveredPerSecond:N0} | {r.AcknowledgedPerSecond:N0} | {r.Latency.P50:N0} | {r.Latency.P99:N0} | {r.Latency.P999:N0} | {r.Latency.Max:N0} | {r.BrokerCpuSeconds:0.00} | {MiB(r.BrokerPeakRssBytes)} | {r.GeneratorCpuSeconds:0.00} | {r.Lost:N0} | {r.Error ?? string.Empty} |"));
        }

        Line();
        Line("</details>");
    }

    private Scenario? Find(Shape shape, QualityOfService qos, int size) =>
        scenarios.FirstOrDefault(s => s.Shape == shape && s.QoS == qos && s.PayloadBytes == size);

    private double? Median(BrokerKind broker, Scenario scenario, Func<RunResult, double> value) =>
        Statistics.Median(saturation.Where(r => r.Broker == broker && r.Scenario == scenario && r.Succeeded).Select(value));

    private double? ThroughputRatio(BrokerKind ours, Scenario scenario) =>
        Divide(Median(ours, scenario, r => r.DeliveredPerSecond), Median(BrokerKind.Mosquitto, scenario, r => r.DeliveredPerSecond));

    private double? PacedMedian(BrokerKind broker, Scenario scenario, Func<RunResult, double> value) =>
        Statistics.Median(paced.Where(r => r.Broker == broker && r.Scenario == scenario && r.Succeeded).Select(value));

    private double? PacedP99Ratio(BrokerKind ours, Scenario scenario) =>
        Divide(PacedMedian(ours, scenario, r => r.Latency.P99), PacedMedian(BrokerKind.Mosquitto, scenario, r => r.Latency.P99));

    private static string Times(int rounds) => rounds switch
    {
        1 => "once",
        2 => "twice",
        _ => $"{rounds} times",
    };

    private static double? Divide(double? numerator, double? denominator) =>
        numerator is double n && denominator is double d && d > 0 ? n / d : null;

    private static string Verdict(double? ratio, Func<double, bool> met) => ratio is double r ? (met(r) ? "met" : "**missed**") : "not measured";

    private static string Ratio(double? ratio) => ratio is double r ? string.Create(Invariant, $"{r:0.00}x") : "-";

    private static string Rate(double? rate) => rate is double r ? r.ToString("N0", Invariant) : "-";

    private static string Micros(double? micros, string format = "N0") => micros is double m && !double.IsNaN(m) ? m.ToString(format, Invariant) : "-";

    private static string Percent(double? percent) => percent is double p ? string.Create(Invariant, $"{p:0}%") : "-";

    private static string MiB(double? bytes) => bytes is double b ? string.Create(Invariant, $"{b / (1024 * 1024):0.0} MiB") : "-";

    private static string Payload(int size) => size >= 1024 && size % 1024 == 0 ? $"{size / 1024} KB" : $"{size} B";

    private void Line(string text = "") => _md.Append(text).Append('\n');
}
