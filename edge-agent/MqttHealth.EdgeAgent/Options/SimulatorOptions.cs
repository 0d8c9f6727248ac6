namespace MqttHealth.EdgeAgent.Options;

/// <summary>
/// The built-in bedside-monitor simulator (<c>Agent:Simulator</c>): monitor <c>i</c> feeds device identity <c>i</c>
/// through the same path as the other inputs, one second of readings at a time (sample set, alarms, status).
/// </summary>
public sealed class SimulatorOptions
{
    /// <summary>How many monitors to simulate (the first N configured devices); 0: off.</summary>
    public int Devices { get; set; }

    /// <summary>Patient profiles, given to the monitors in turn: <c>stable</c>, <c>deteriorating</c>, <c>arrhythmic</c>.</summary>
    public List<string> Profiles { get; set; } = [];

    /// <summary>Simulated seconds per real second (1: real time, one sample set per second per monitor).</summary>
    public double Speed { get; set; } = 1;

    /// <summary>The corpus generator's seed (monitor i uses Seed + i); 0 picks one from the clock.</summary>
    public ulong Seed { get; set; }

    /// <summary>How long one simulated patient stay lasts (a deteriorating patient worsens over it); then the next patient.</summary>
    public TimeSpan RunLength { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A device status every this many simulated seconds.</summary>
    public int StatusIntervalSeconds { get; set; } = 60;
}
