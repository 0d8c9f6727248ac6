using MqttHealth.Corpus;

namespace MqttHealth.Dictionaries.Training;

/// <summary>One candidate of the sweep: a dictionary trained for a capacity, compressed at a level, measured on the held-out corpus.</summary>
internal sealed record SweepRow(int CapacityBytes, int DictionaryBytes, int Level, KindMeasurement[] Kinds)
{
    public double RatioOf(MessageKind kind) => Kinds[(int)kind].Ratio;

    public long TotalCompressed => Kinds.Sum(k => k.CompressedBytes);

    public long TotalRaw => Kinds.Sum(k => k.RawBytes);
}
