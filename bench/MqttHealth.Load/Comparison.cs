using System.Diagnostics;
using System.Globalization;
using MqttHealth.Bench.Load.Brokers;
using MqttHealth.Bench.Load.Scenarios;

namespace MqttHealth.Bench.Load;

/// <summary>
/// The whole comparison: the scenario matrix at saturation (brokers alternating run by run), the latency runs at
/// half of Mosquitto's saturation rate, idle connections, the cross-check with Mosquitto's own clients, and the
/// report.
/// </summary>
internal sealed partial class Comparison(LoadOptions options)
{
    private readonly List<RunResult> _saturation = [];
    private readonly List<RunResult> _paced = [];
    private readonly Stopwatch _elapsed = Stopwatch.StartNew();

    private static CultureInfo Invariant => CultureInfo.InvariantCulture;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux())
        {
            Console.Error.WriteLine("mqtthealth-load: the comparison reads CPU time and memory from Linux's /proc; run it on Linux.");
            return 2;
        }

        try
        {
            Scenario[] scenarios = Scenarios();
            var settings = new RunSettings(options.Warmup, options.Duration, TimeSpan.FromSeconds(5));
            PrepareMachine();
            MachineInfo machine = await MachineInfo.CollectAsync(options.Brokers.Contains(BrokerKind.Mosquitto), cancellationToken).ConfigureAwait(false);
            Console.WriteLine(machine.Summary);
            string plan = options.FixedRate is double rate
                ? string.Create(Invariant, $"paced at {rate:N0} deliveries/s only")
                : $"at saturation, then {(options.Paced ? $"{options.PacedRounds} rounds paced at half of Mosquitto's rate" : "no paced runs")}";
            Console.WriteLine(string.Create(Invariant, $"{scenarios.Length} scenarios x {options.Brokers.Count} brokers x {options.Rounds} rounds {plan}; {options.Warmup.TotalSeconds:0.#} s warm-up + {options.Duration.TotalSeconds:0.#} s measured per run."));

            await RunMatrixAsync(scenarios, settings, cancellationToken).ConfigureAwait(false);
            IReadOnlyList<Idle.IdleResult> idle = await RunIdleAsync(cancellationToken).ConfigureAwait(false);
            IReadOnlyList<CrossCheck.CrossCheckResult> crossChecks = await RunCrossChecksAsync(cancellationToken).ConfigureAwait(false);

            var report = new Report.ResultsReport(options, machine, scenarios, _saturation, _paced, idle, crossChecks, _elapsed.Elapsed);
            string markdown = report.Render();
            if (options.WriteOutput)
            {
                string path = options.OutputPath ?? Report.ResultsFile.DefaultPath();
                Report.ResultsFile.WriteSection(path, markdown);
                Console.WriteLine($"Wrote the comparison into {path} ({_elapsed.Elapsed.TotalMinutes:0.0} min in all).");
            }
            else
            {
                Console.WriteLine(markdown);
            }

            return report.AllRunsSucceeded ? 0 : 1;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Console.Error.WriteLine("mqtthealth-load: interrupted; the brokers were stopped and nothing was written.");
            return 130;
        }
    }

    private Scenario[] Scenarios() =>
        Scenario.Matrix(options.Fan, options.Payloads)
            .Where(s => options.Shapes.Contains(s.Shape) && options.QoS.Contains((int)s.QoS))
            .ToArray();

    /// <summary>
    /// Saturation: every scenario <see cref="LoadOptions.Rounds"/> times on every broker, the order of the brokers
    /// rotating from run to run so that none always goes first (after a quiet period) or last. Then the paced runs:
    /// <see cref="LoadOptions.PacedRounds"/> rounds at half of Mosquitto's median saturation rate for each scenario
    /// (or, with --rate, only paced runs at that rate, <see cref="LoadOptions.Rounds"/> times). All brokers run side by
    /// side for the whole matrix, each on its own port; only the one being measured has traffic.
    /// </summary>
    private async Task RunMatrixAsync(Scenario[] scenarios, RunSettings settings, CancellationToken cancellationToken)
    {
        var brokers = new List<BrokerUnderTest>();
        try
        {
            foreach (BrokerKind kind in options.Brokers)
            {
                BrokerUnderTest broker = await BrokerUnderTest.StartAsync(kind, cancellationToken).ConfigureAwait(false);
                brokers.Add(broker);
                Console.WriteLine($"started {kind.Key()}: pid {broker.ProcessId}, port {broker.Port}; {broker.Description}");
            }

            if (options.FixedRate is double fixedRate)
            {
                await RunPacedAsync(scenarios, brokers, settings, options.Rounds, _ => fixedRate, cancellationToken).ConfigureAwait(false);
                return;
            }

            int total = scenarios.Length * brokers.Count * options.Rounds;
            int done = 0;
            for (int round = 1; round <= options.Rounds; round++)
            {
                for (int i = 0; i < scenarios.Length; i++)
                {
                    foreach (BrokerUnderTest broker in Rotate(brokers, round + i))
                    {
                        RunResult result = await ScenarioRunner.RunAsync(broker, scenarios[i], RunMode.Saturation, round, settings, cancellationToken).ConfigureAwait(false);
                        _saturation.Add(result);
                        Console.WriteLine($"[{++done,3}/{total}] {Describe(result)}");
                    }
                }
            }

            if (!options.Paced)
            {
                return;
            }

            if (!options.Brokers.Contains(BrokerKind.Mosquitto))
            {
                Console.WriteLine("paced runs skipped: they run at half of Mosquitto's saturation rate, and Mosquitto is not among --brokers.");
                return;
            }

            // Half of Mosquitto's saturation rate; a scenario where Mosquitto has no successful run has no paced runs.
            await RunPacedAsync(scenarios, brokers, settings, options.PacedRounds, s => MedianSaturationRate(BrokerKind.Mosquitto, s) / 2, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (BrokerUnderTest broker in brokers)
            {
                await broker.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Every scenario at the rate <paramref name="rateOf"/> gives it (deliveries per second; null skips it), on every
    /// broker, <paramref name="rounds"/> times, the brokers' order rotating as in the saturation runs.
    /// </summary>
    private async Task RunPacedAsync(Scenario[] scenarios, List<BrokerUnderTest> brokers, RunSettings settings, int rounds, Func<Scenario, double?> rateOf, CancellationToken cancellationToken)
    {
        int total = scenarios.Count(s => rateOf(s) is > 0) * brokers.Count * rounds;
        int done = 0;
        for (int round = 1; round <= rounds; round++)
        {
            for (int i = 0; i < scenarios.Length; i++)
            {
                if (rateOf(scenarios[i]) is not double rate || rate <= 0)
                {
                    continue;
                }

                foreach (BrokerUnderTest broker in Rotate(brokers, round + i))
                {
                    RunResult result = await ScenarioRunner.RunAsync(broker, scenarios[i], new RunMode(rate), round, settings, cancellationToken).ConfigureAwait(false);
                    _paced.Add(result);
                    Console.WriteLine($"[paced {++done,3}/{total}] {Describe(result)}");
                }
            }
        }
    }

    /// <summary>The median delivered rate of a broker's successful saturation runs of a scenario, or null when it has none.</summary>
    public double? MedianSaturationRate(BrokerKind broker, Scenario scenario) =>
        Report.Statistics.Median(_saturation.Where(r => r.Broker == broker && r.Scenario == scenario && r.Succeeded).Select(r => r.DeliveredPerSecond));

    private static IEnumerable<BrokerUnderTest> Rotate(List<BrokerUnderTest> brokers, int by)
    {
        for (int i = 0; i < brokers.Count; i++)
        {
            yield return brokers[(i + by) % brokers.Count];
        }
    }

    private static string Describe(RunResult r)
    {
        string line = string.Create(
            Invariant,
            $"{r.Broker.Key(),-17} {r.Scenario.Name,-26} {r.DeliveredPerSecond,10:N0} deliveries/s {r.AcknowledgedPerSecond,9:N0} acked/s  p50 {r.Latency.P50,8:N0} us  p99 {r.Latency.P99,8:N0} us  p99.9 {r.Latency.P999,8:N0} us  broker CPU {r.BrokerCpuPercent,4:0}%  peak RSS {r.BrokerPeakRssBytes / 1048576.0,5:0} MiB  load CPU {r.GeneratorCpuPercent,4:0}%");
        if (r.Mode.DeliveriesPerSecond is double rate)
        {
            line += string.Create(Invariant, $"  (paced at {rate:N0}/s)");
        }

        if (r.Lost > 0)
        {
            line += $"  lost {r.Lost}";
        }

        return r.Error is null ? line : $"{line}  FAILED: {r.Error}";
    }
}
