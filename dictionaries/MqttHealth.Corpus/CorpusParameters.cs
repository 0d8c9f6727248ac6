namespace MqttHealth.Corpus;

/// <summary>Everything that determines a corpus; the same parameters give the same bytes.</summary>
/// <param name="Seed">The SplitMix64 seed.</param>
/// <param name="StartUnixMs">The simulated start time.</param>
/// <param name="DurationSeconds">Simulated time per device.</param>
/// <param name="BedsideMonitors">Monitors publishing one sample set per second.</param>
/// <param name="GatewayDevices">Devices behind rural gateways, sampled every 1-10 s and batched every 10-60 s.</param>
/// <param name="StatusIntervalSeconds">Every device publishes a status this often.</param>
public sealed record CorpusParameters(
    ulong Seed, long StartUnixMs, int DurationSeconds, int BedsideMonitors, int GatewayDevices, int StatusIntervalSeconds)
{
    /// <summary>The training corpus of clinical-v1.</summary>
    public static CorpusParameters Training { get; } = new(Seed: 1, StartUnixMs: 1_767_225_600_000, DurationSeconds: 3600,
        BedsideMonitors: 12, GatewayDevices: 24, StatusIntervalSeconds: 60);

    /// <summary>The held-out corpus of clinical-v1: another seed, another day, shorter.</summary>
    public static CorpusParameters HeldOut { get; } = new(Seed: 2, StartUnixMs: 1_767_830_400_000, DurationSeconds: 1200,
        BedsideMonitors: 9, GatewayDevices: 18, StatusIntervalSeconds: 60);
}
