namespace MqttHealth.Corpus;

/// <summary>The kinds of message the corpus holds and the manifest measures separately.</summary>
public enum MessageKind
{
    SampleSet,
    GatewayBatch,
    Alarm,
    Status,
    PatientContext,
}
