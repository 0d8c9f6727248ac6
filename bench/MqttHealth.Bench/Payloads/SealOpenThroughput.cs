using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using MqttHealth.Payloads.Crypto;
using MqttHealth.Payloads.Envelope;

namespace MqttHealth.Bench.Payloads;

/// <summary>
/// <c>dotnet run -c Release --project bench/MqttHealth.Bench -- throughput [--messages N] [--rounds R]</c>: seal + open
/// per core by CPU time. For each suite and body, N messages (default 200,000) are sealed and opened in order on one
/// thread, R rounds (default 3); the best round counts. CPU time is the whole process's (JIT, GC and every other
/// thread included), so messages per CPU second is messages per second per core. Prints the machine first.
/// </summary>
internal static class SealOpenThroughput
{
    private const int DefaultMessages = 200_000;
    private const int DefaultRounds = 3;
    private const int MaxMessages = 10_000_000;
    private const int MaxRounds = 20;

    public static int Run(string[] args)
    {
        if (!TryParse(args, out var messages, out var rounds, out var problem))
        {
            Console.Error.WriteLine(problem);
            Console.Error.WriteLine("usage: throughput [--messages N (1..10,000,000, default 200,000)] [--rounds R (1..20, default 3)]");
            return 2;
        }

        Console.WriteLine(Invariant($"Seal + open per core by process CPU time: {messages:N0} messages in order on one thread, best of {rounds} rounds."));
        foreach (var line in MachineDescription())
        {
            Console.WriteLine(line);
        }

        EnvelopeWorkload[] workloads = [EnvelopeWorkload.Raw32, EnvelopeWorkload.SampleSets(), EnvelopeWorkload.GatewayBatches()];
        Console.WriteLine();
        Console.WriteLine("| suite | body | mean plaintext | sealed compressed | mean sealed | CPU per seal + open | per core | wall per seal + open |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|");
        foreach (var suite in new[] { EnvelopeSuite.Aes256Gcm, EnvelopeSuite.ChaCha20Poly1305 })
        {
            foreach (var workload in workloads)
            {
                var result = Measure(suite, workload, messages, rounds);
                Console.WriteLine(Invariant(
                    $"| {Name(suite)} | {workload.Name} | {workload.MeanLength:0.#} B | {result.CompressedShare:P0} | {result.MeanSealed:0.#} B | {result.CpuMicroseconds:0.00} us | {1e6 / result.CpuMicroseconds:N0}/s | {result.WallMicroseconds:0.00} us |"));
            }
        }

        Console.WriteLine();
        Console.WriteLine($"Load average at the end: {LoadAverage()}");
        return 0;
    }

    private static Result Measure(EnvelopeSuite suite, EnvelopeWorkload workload, int messages, int rounds)
    {
        using var trip = new EnvelopeRoundTrip(suite, workload.Compressed, workload.MaxLength);
        var plaintexts = workload.Plaintexts;
        foreach (var plaintext in plaintexts.Take(1000))
        {
            trip.Verify(plaintext);
        }

        // Warm up past tiered compilation (call counting, then the tier-1 code installed in the background).
        RunMessages(trip, plaintexts, Math.Min(messages, 50_000));
        Thread.Sleep(200);
        RunMessages(trip, plaintexts, Math.Min(messages, 20_000));

        var best = new Result(double.MaxValue, double.MaxValue, 0, 0);
        using var process = Process.GetCurrentProcess();
        for (var round = 0; round < rounds; round++)
        {
            var compressedBefore = trip.CompressedCount;
            var bytesBefore = trip.SealedBytes;
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            var wall = Stopwatch.StartNew();
            RunMessages(trip, plaintexts, messages);
            wall.Stop();
            process.Refresh();
            var cpu = process.TotalProcessorTime - cpuBefore;
            var perMessage = cpu.TotalMicroseconds / messages;
            if (perMessage < best.CpuMicroseconds)
            {
                best = new Result(
                    perMessage,
                    wall.Elapsed.TotalMicroseconds / messages,
                    (trip.CompressedCount - compressedBefore) / (double)messages,
                    (trip.SealedBytes - bytesBefore) / (double)messages);
            }
        }

        return best;
    }

    private static void RunMessages(EnvelopeRoundTrip trip, IReadOnlyList<byte[]> plaintexts, int count)
    {
        var next = 0;
        for (var i = 0; i < count; i++)
        {
            trip.SealAndOpen(plaintexts[next]);
            next = next + 1 == plaintexts.Count ? 0 : next + 1;
        }
    }

    private static IEnumerable<string> MachineDescription()
    {
        yield return $"Date: {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC";
        yield return $"CPU: {CpuModel()}, {Environment.ProcessorCount} cores";
        yield return $"OS: {OsName()}, kernel {FirstLine("/proc/sys/kernel/osrelease") ?? "?"}";
        yield return $".NET: {RuntimeInformation.FrameworkDescription} {RuntimeInformation.ProcessArchitecture}";
        yield return $"OpenSSL: {OpenSslDescription()}";
        yield return $"Load average at the start: {LoadAverage()}";
    }

    private static string OpenSslDescription() => $"{OpenSslNative.VersionText} (libcrypto, as the envelope loads it)";

    private static string CpuModel()
    {
        const string prefix = "model name";
        var line = File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal)) : null;
        return line is null ? RuntimeInformation.ProcessArchitecture.ToString() : line[(line.IndexOf(':') + 1)..].Trim();
    }

    private static string OsName()
    {
        const string prefix = "PRETTY_NAME=";
        var line = File.Exists("/etc/os-release") ? File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal)) : null;
        return line is null ? RuntimeInformation.OSDescription : line[prefix.Length..].Trim('"');
    }

    private static string LoadAverage() => FirstLine("/proc/loadavg") is { } line ? string.Join(' ', line.Split(' ').Take(3)) : "?";

    private static string? FirstLine(string path) => File.Exists(path) ? File.ReadLines(path).FirstOrDefault()?.Trim() : null;

    private static string Name(EnvelopeSuite suite) => suite == EnvelopeSuite.Aes256Gcm ? "AES-256-GCM" : "ChaCha20-Poly1305";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static bool TryParse(string[] args, out int messages, out int rounds, out string problem)
    {
        messages = DefaultMessages;
        rounds = DefaultRounds;
        problem = "";
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : (int?)null;
            switch (args[i])
            {
                case "--messages" when value is >= 1 and <= MaxMessages:
                    messages = value.Value;
                    i++;
                    break;
                case "--rounds" when value is >= 1 and <= MaxRounds:
                    rounds = value.Value;
                    i++;
                    break;
                default:
                    problem = $"throughput: unexpected or out-of-range argument '{args[i]}'";
                    return false;
            }
        }

        return true;
    }

    private readonly record struct Result(double CpuMicroseconds, double WallMicroseconds, double CompressedShare, double MeanSealed);
}
