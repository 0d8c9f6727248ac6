namespace MqttHealth.Corpus;

/// <summary>
/// One patient's physiology over a run, second by second. Baselines are drawn from adult normal ranges; the
/// profile bends them (deterioration toward sepsis-like values, or atrial fibrillation's irregular rate). Values are
/// what a monitor would display: integers, temperature in tenths of a degree Celsius.
/// </summary>
internal sealed class PatientSimulator
{
    private readonly SplitMix64 _random;
    private readonly int _durationSeconds;
    private readonly double _hr;
    private readonly double _spo2;
    private readonly double _rr;
    private readonly double _temp;
    private readonly double _sys;
    private readonly double _dia;
    private readonly double _etco2;
    private readonly double _phase;
    private double _hrWander;
    private double _rrWander;

    public PatientSimulator(SplitMix64 random, PatientProfile profile, int durationSeconds)
    {
        _random = random;
        Profile = profile;
        _durationSeconds = durationSeconds;
        PatientRef = new byte[8];
        random.Fill(PatientRef);
        _hr = random.Uniform(58, 88);
        _spo2 = random.Uniform(95, 99.4);
        _rr = random.Uniform(12, 18);
        _temp = random.Uniform(36.4, 37.2);
        _sys = random.Uniform(105, 140);
        _dia = random.Uniform(62, 88);
        _etco2 = random.Uniform(34, 42);
        _phase = random.Uniform(0, 2 * Math.PI);
    }

    public PatientProfile Profile { get; }

    /// <summary>The opaque patient reference: 8 random bytes, as a facility-keyed token would look.</summary>
    public byte[] PatientRef { get; }

    public VitalSnapshot At(int second)
    {
        var progress = Profile == PatientProfile.Deteriorating ? Math.Clamp((double)second / _durationSeconds, 0, 1) : 0;
        _hrWander = (0.98 * _hrWander) + _random.Gaussian(0.6);
        _rrWander = (0.98 * _rrWander) + _random.Gaussian(0.2);
        var cycle = Math.Sin((2 * Math.PI * second / 600.0) + _phase);
        double hr;
        double pulseDeficit;
        if (Profile == PatientProfile.Arrhythmic)
        {
            hr = _hr + 25 + _random.Gaussian(14) + _hrWander;
            pulseDeficit = Math.Abs(_random.Gaussian(8));
        }
        else
        {
            hr = _hr + (45 * progress) + (3 * cycle) + _hrWander + _random.Gaussian(1.2);
            pulseDeficit = _random.Gaussian(1.0);
        }
        var spo2 = _spo2 - (9 * progress) + _random.Gaussian(0.5);
        var rr = _rr + (13 * progress) + _rrWander + _random.Gaussian(0.8);
        var temp = _temp + (2.0 * progress) + (0.1 * cycle) + _random.Gaussian(0.03);
        var sys = _sys - (35 * progress) + _random.Gaussian(4);
        var dia = _dia - (18 * progress) + _random.Gaussian(3);
        var etco2 = _etco2 - (8 * progress) + _random.Gaussian(1);
        var hrInt = (int)Math.Round(Math.Clamp(hr, 25, 220));
        var sysInt = (int)Math.Round(Math.Clamp(sys, 60, 220));
        var diaInt = (int)Math.Round(Math.Clamp(dia, 30, sysInt - 15));
        return new VitalSnapshot(
            hrInt,
            (int)Math.Round(Math.Clamp(spo2, 70, 100)),
            (int)Math.Round(Math.Clamp(hrInt - pulseDeficit, 25, 220)),
            (int)Math.Round(Math.Clamp(rr, 4, 50)),
            (int)Math.Round(Math.Clamp(temp, 34, 42) * 10),
            sysInt,
            diaInt,
            (int)Math.Round(diaInt + ((sysInt - diaInt) / 3.0)),
            (int)Math.Round(Math.Clamp(etco2, 15, 70)));
    }
}

/// <summary>Displayed values at one second (temperature in 0.1 Cel).</summary>
internal readonly record struct VitalSnapshot(
    int HeartRate, int Spo2, int PulseRate, int RespiratoryRate, int TemperatureTenths, int Systolic, int Diastolic, int Mean, int Etco2);
