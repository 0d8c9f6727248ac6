using MqttHealth.Payloads.Keys;

namespace MqttHealth.Payloads.Tests.Keys;

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualTime(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

internal static class KeyTestSupport
{
    public static readonly DateTimeOffset Start = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    /// <summary>Keys written by tests use the fewest iterations allowed: the default (600,000) costs a quarter second each.</summary>
    public const int FastIterations = KeyProtection.MinimumIterations;

    public static FacilityCa NewCa(TimeProvider time, string facility = "f1") => FacilityCa.Create(facility, TimeSpan.FromDays(3650), time);

    public static KeyIdentity Identity(FacilityCa ca, KeyRole role, string name, TimeProvider time, string? unit = "icu-2")
    {
        using IssuedIdentity issued = ca.Issue(role, name, unit, TimeSpan.FromDays(365), time);
        return issued.ToIdentity();
    }

    public static string TempDirectory()
    {
        string path = Path.Combine(Path.GetTempPath(), "mh-keys-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }
}
