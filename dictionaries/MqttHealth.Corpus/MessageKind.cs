namespace MqttHealth.Dictionaries.Corpus;

/// <summary>The kinds of message the corpus holds and the manifest measures separately.</summary>
internal enum MessageKind
{
    SampleSet,
    GatewayBatch,
    Alarm,
    Status,
    PatientContext,
}
