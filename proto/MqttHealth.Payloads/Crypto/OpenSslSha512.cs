namespace MqttHealth.Payloads.Crypto;

/// <summary>
/// SHA-512 on one OpenSSL digest context made once and reused for every hash. The context is initialised again right
/// after each result is taken, so between calls it holds no state of the data hashed (the ratchet hashes key material).
/// </summary>
/// <remarks>Not thread-safe: one instance must not be used by two threads at once (the ratchet keeps one per thread).</remarks>
internal sealed unsafe class OpenSslSha512 : IDisposable
{
    public const int HashLength = 64;

    private readonly OpenSslDigestContextHandle _context;
    private readonly nint _sha512;

    public OpenSslSha512()
    {
        _sha512 = OpenSslNative.Sha512;
        if (_sha512 == 0)
        {
            throw new PlatformNotSupportedException($"The loaded OpenSSL libcrypto ({OpenSslNative.VersionText}) does not offer SHA-512.");
        }

        _context = OpenSslNative.DigestContextNew();
        if (_context.IsInvalid)
        {
            _context.Dispose();
            throw OpenSslNative.Failure("EVP_MD_CTX_new");
        }

        try
        {
            // Not yet shared with anyone: no reference counting needed here.
            OpenSslNative.Check(OpenSslNative.DigestInit(_context.DangerousGetHandle(), _sha512, 0), "EVP_DigestInit_ex");
        }
        catch
        {
            _context.Dispose();
            throw;
        }
    }

    /// <summary>Writes SHA-512(<paramref name="first"/> || <paramref name="second"/>) to <paramref name="destination"/> (64 bytes).</summary>
    public void Hash(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> destination)
    {
        if (destination.Length < HashLength)
        {
            throw new ArgumentException($"A SHA-512 hash is {HashLength} bytes; the destination has {destination.Length}.", nameof(destination));
        }

        var added = false;
        try
        {
            _context.DangerousAddRef(ref added);
            var context = _context.DangerousGetHandle();
            fixed (byte* a = first)
            fixed (byte* b = second)
            fixed (byte* d = destination)
            {
                uint length;
                OpenSslNative.Check(OpenSslNative.DigestUpdate(context, a, (nuint)first.Length), "EVP_DigestUpdate");
                OpenSslNative.Check(OpenSslNative.DigestUpdate(context, b, (nuint)second.Length), "EVP_DigestUpdate");
                OpenSslNative.Check(OpenSslNative.DigestFinal(context, d, &length), "EVP_DigestFinal_ex");
            }
        }
        finally
        {
            if (added)
            {
                // Start over at once: the init replaces the chaining value (after a final, the hash just returned).
                if (OpenSslNative.DigestInit(_context.DangerousGetHandle(), _sha512, 0) != 1)
                {
                    OpenSslNative.ErrClearError();
                }

                _context.DangerousRelease();
            }
        }
    }

    public void Dispose() => _context.Dispose();
}
