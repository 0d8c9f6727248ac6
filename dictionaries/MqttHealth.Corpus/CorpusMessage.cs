namespace MqttHealth.Corpus;

/// <summary>One encoded ClinicalPayload of the corpus.</summary>
public sealed record CorpusMessage(MessageKind Kind, byte[] Bytes);
