namespace MqttHealth.Dictionaries.Corpus;

/// <summary>One encoded ClinicalPayload of the corpus.</summary>
internal sealed record CorpusMessage(MessageKind Kind, byte[] Bytes);
