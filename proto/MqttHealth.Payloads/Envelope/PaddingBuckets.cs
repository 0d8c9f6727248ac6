namespace MqttHealth.Payloads.Envelope;

/// <summary>
/// The sizes a body is padded up to before encryption, so that the ciphertext length reveals only the bucket. A body of
/// n bytes becomes the smallest bucket of at least n + 1 bytes (one byte for the 0x80 marker); above the largest
/// bucket, the next multiple of the largest bucket.
/// </summary>
public sealed class PaddingBuckets
{
    private readonly int[] _sizes;

    /// <summary>Buckets in ascending order, each at least 1 and at most 65,536.</summary>
    public PaddingBuckets(IEnumerable<int> sizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        _sizes = [.. sizes];
        if (_sizes.Length == 0)
        {
            throw new ArgumentException("At least one padding bucket is needed.", nameof(sizes));
        }

        for (var i = 0; i < _sizes.Length; i++)
        {
            if (_sizes[i] < 1 || _sizes[i] > 65_536)
            {
                throw new ArgumentOutOfRangeException(nameof(sizes), _sizes[i], "A padding bucket must be between 1 and 65,536 bytes.");
            }

            if (i > 0 && _sizes[i] <= _sizes[i - 1])
            {
                throw new ArgumentException("Padding buckets must be strictly ascending.", nameof(sizes));
            }
        }
    }

    /// <summary>
    /// The default: 12, 16, 20, 24, 28, 32, 40, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024 bytes, then multiples
    /// of 1024. Steps of 4 bytes at the small end, where single sample sets live (with 20 bytes of overhead, a body of
    /// up to 27 compressed bytes seals into at most 48 bytes, the target), then steps of at most 1.5x.
    /// </summary>
    public static PaddingBuckets Default { get; } = new([12, 16, 20, 24, 28, 32, 40, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024]);

    /// <summary>The bucket sizes, ascending.</summary>
    public IReadOnlyList<int> Sizes => _sizes;

    /// <summary>The padded length of a body of <paramref name="bodyLength"/> bytes (always at least bodyLength + 1).</summary>
    public int PaddedLength(int bodyLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bodyLength);
        var needed = bodyLength + 1;
        foreach (var size in _sizes)
        {
            if (size >= needed)
            {
                return size;
            }
        }

        var largest = _sizes[^1];
        return checked((needed + largest - 1) / largest * largest);
    }
}
