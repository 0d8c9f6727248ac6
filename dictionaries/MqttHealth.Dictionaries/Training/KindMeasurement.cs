using MqttHealth.Corpus;

namespace MqttHealth.Dictionaries.Training;

/// <summary>
/// Compression of all messages of one kind: ratio = raw bytes / compressed bytes (whole frames). BestOfBytes sums
/// min(raw, frame) per message: what an envelope that sends a message uncompressed (dictionary id 0) when the frame
/// would not be smaller puts on the wire.
/// </summary>
internal sealed record KindMeasurement(MessageKind Kind, int Count, long RawBytes, long CompressedBytes, long BestOfBytes, int CompressedSmaller)
{
    public double BestOfRatio => BestOfBytes == 0 ? 0 : (double)RawBytes / BestOfBytes;

    public double Ratio => CompressedBytes == 0 ? 0 : (double)RawBytes / CompressedBytes;

    public double MeanRaw => Count == 0 ? 0 : (double)RawBytes / Count;

    public double MeanCompressed => Count == 0 ? 0 : (double)CompressedBytes / Count;
}
