namespace MqttHealth.Corpus;

public enum PatientProfile
{
    /// <summary>Normal ranges with slow drift and measurement noise.</summary>
    Stable,

    /// <summary>Sepsis-like course over the run: rising heart and respiratory rate and temperature, falling SpO2 and pressure.</summary>
    Deteriorating,

    /// <summary>Atrial fibrillation: irregular, often fast heart rate with a pulse deficit.</summary>
    Arrhythmic,
}
