namespace MqttHealth.Payloads.Compression;

/// <summary>Trains a zstd dictionary with ZDICT_trainFromBuffer of the system libzstd (deterministic for the same samples).</summary>
public static unsafe class ZstdDictionaryTrainer
{
    /// <summary>A dictionary of at most <paramref name="capacity"/> bytes from <paramref name="samples"/>; throws <see cref="ZstdException"/> when ZDICT fails (e.g. too few samples).</summary>
    public static byte[] Train(IReadOnlyList<byte[]> samples, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 256);
        var total = samples.Sum(s => (long)s.Length);
        var flat = new byte[total];
        var sizes = new nuint[samples.Count];
        var offset = 0;
        for (var i = 0; i < samples.Count; i++)
        {
            samples[i].CopyTo(flat, offset);
            offset += samples[i].Length;
            sizes[i] = (nuint)samples[i].Length;
        }
        var dictionary = new byte[capacity];
        nuint result;
        fixed (byte* d = dictionary)
        fixed (byte* f = flat)
        fixed (nuint* s = sizes)
        {
            result = ZstdNative.TrainFromBuffer(d, (nuint)capacity, f, s, (uint)samples.Count);
        }
        if (ZstdNative.DictIsError(result) != 0)
        {
            var name = System.Runtime.InteropServices.Marshal.PtrToStringAnsi(ZstdNative.DictGetErrorName(result)) ?? "unknown error";
            throw new ZstdException($"ZDICT_trainFromBuffer failed on {samples.Count} samples ({total} bytes) for {capacity} bytes: {name}.");
        }
        return dictionary.AsSpan(0, (int)result).ToArray();
    }

    /// <summary>The version of the system libzstd, e.g. "1.5.4".</summary>
    public static string LibraryVersion
    {
        get
        {
            var v = ZstdNative.VersionNumber();
            return $"{v / 10000}.{v / 100 % 100}.{v % 100}";
        }
    }
}
