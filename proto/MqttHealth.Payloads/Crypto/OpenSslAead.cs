using System.Security.Cryptography;

namespace MqttHealth.Payloads.Crypto;

/// <summary>
/// An AEAD (AES-256-GCM or ChaCha20-Poly1305: 32-byte key, 12-byte nonce, 16-byte tag) on one OpenSSL cipher context
/// that is made once and re-keyed for every operation, so that a key per message costs a key setup rather than a new
/// context. After every operation the context is re-keyed with zeros, so no message key outlives its message in it.
/// </summary>
/// <remarks>
/// Not thread-safe: one instance must not be used by two threads at once (the envelope keeps one per thread). The
/// bytes are those of .NET's <see cref="AesGcm"/> and <see cref="ChaCha20Poly1305"/> (the same OpenSSL underneath);
/// the tests compare them.
/// </remarks>
internal sealed unsafe class OpenSslAead : IDisposable
{
    public const int KeyLength = 32;
    public const int NonceLength = 12;
    public const int TagLength = 16;

    private static readonly byte[] Zeros = new byte[KeyLength];

    private readonly OpenSslCipherContextHandle _context;

    private OpenSslAead(nint cipher)
    {
        _context = OpenSslNative.CipherContextNew();
        if (_context.IsInvalid)
        {
            _context.Dispose();
            throw OpenSslNative.Failure("EVP_CIPHER_CTX_new");
        }

        try
        {
            // Not yet shared with anyone: no reference counting needed here.
            var context = _context.DangerousGetHandle();
            OpenSslNative.Check(OpenSslNative.CipherInit(context, cipher, 0, null, null, 1), "EVP_CipherInit_ex (cipher)");
            OpenSslNative.Check(OpenSslNative.CipherContextControl(context, OpenSslNative.CtrlAeadSetIvLength, NonceLength, null), "EVP_CTRL_AEAD_SET_IVLEN");
        }
        catch
        {
            _context.Dispose();
            throw;
        }
    }

    /// <summary>True when the loaded libcrypto offers AES-256-GCM.</summary>
    public static bool IsAes256GcmSupported => OpenSslNative.Aes256Gcm != 0;

    /// <summary>True when the loaded libcrypto offers ChaCha20-Poly1305.</summary>
    public static bool IsChaCha20Poly1305Supported => OpenSslNative.ChaCha20Poly1305 != 0;

    /// <summary>A context for AES-256-GCM.</summary>
    public static OpenSslAead CreateAes256Gcm() => new(Supported(OpenSslNative.Aes256Gcm, "AES-256-GCM"));

    /// <summary>A context for ChaCha20-Poly1305.</summary>
    public static OpenSslAead CreateChaCha20Poly1305() => new(Supported(OpenSslNative.ChaCha20Poly1305, "ChaCha20-Poly1305"));

    /// <summary>
    /// Encrypts <paramref name="plaintext"/> into <paramref name="ciphertext"/> (the same length; the same memory for in
    /// place, or not overlapping) under <paramref name="key"/> and <paramref name="nonce"/>, and writes the tag.
    /// </summary>
    public void Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> associatedData)
    {
        CheckArguments(key, nonce, plaintext, ciphertext, tag);
        var added = false;
        try
        {
            var context = Acquire(ref added);
            Start(context, encrypt: true, key, nonce, associatedData, plaintext, ciphertext);
            int finalLength;
            byte scratch; // a stream mode's final writes nothing
            OpenSslNative.Check(OpenSslNative.CipherFinal(context, &scratch, &finalLength), "EVP_CipherFinal_ex (encrypt)");
            fixed (byte* t = tag)
            {
                OpenSslNative.Check(OpenSslNative.CipherContextControl(context, OpenSslNative.CtrlAeadGetTag, TagLength, t), "EVP_CTRL_AEAD_GET_TAG");
            }
        }
        finally
        {
            Release(added);
        }
    }

    /// <summary>
    /// Decrypts <paramref name="ciphertext"/> into <paramref name="plaintext"/> (the same length; the same memory for in
    /// place, or not overlapping) and checks <paramref name="tag"/>. Fails closed: false when the tag does not verify,
    /// and then <paramref name="plaintext"/> is cleared.
    /// </summary>
    public bool Decrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        CheckArguments(key, nonce, plaintext, ciphertext, tag);
        var added = false;
        var verified = false;
        try
        {
            var context = Acquire(ref added);
            Start(context, encrypt: false, key, nonce, associatedData, ciphertext, plaintext);
            fixed (byte* t = tag)
            {
                // OpenSSL copies the expected tag; it does not write through the pointer.
                OpenSslNative.Check(OpenSslNative.CipherContextControl(context, OpenSslNative.CtrlAeadSetTag, TagLength, t), "EVP_CTRL_AEAD_SET_TAG");
            }

            // The tag is checked here: anything but 1 is a failure.
            int finalLength;
            byte scratch;
            verified = OpenSslNative.CipherFinal(context, &scratch, &finalLength) == 1;
            if (!verified)
            {
                OpenSslNative.ErrClearError();
            }

            return verified;
        }
        finally
        {
            if (!verified)
            {
                plaintext.Clear();
            }

            Release(added);
        }
    }

    public void Dispose() => _context.Dispose();

    private static nint Supported(nint cipher, string name) =>
        cipher != 0 ? cipher : throw new PlatformNotSupportedException($"The loaded OpenSSL libcrypto ({OpenSslNative.VersionText}) does not offer {name}.");

    private static void CheckArguments(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag)
    {
        if (key.Length != KeyLength)
        {
            throw new ArgumentException($"The key is {KeyLength} bytes, not {key.Length}.", nameof(key));
        }

        if (nonce.Length != NonceLength)
        {
            throw new ArgumentException($"The nonce is {NonceLength} bytes, not {nonce.Length}.", nameof(nonce));
        }

        if (tag.Length != TagLength)
        {
            throw new ArgumentException($"The tag is {TagLength} bytes, not {tag.Length}.", nameof(tag));
        }

        if (plaintext.Length != ciphertext.Length)
        {
            throw new ArgumentException("The plaintext and ciphertext are of different lengths.", nameof(ciphertext));
        }

        // OpenSSL works in place or between separate buffers, not on partly overlapping ones.
        if (plaintext.Overlaps(ciphertext, out var offset) && offset != 0)
        {
            throw new ArgumentException("The plaintext and ciphertext overlap other than exactly (in place).", nameof(ciphertext));
        }
    }

    /// <summary>Re-keys the context for one operation and runs the associated data and the whole input through it.</summary>
    private static void Start(nint context, bool encrypt, ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> input, Span<byte> output)
    {
        fixed (byte* k = key)
        fixed (byte* n = nonce)
        {
            // A NULL cipher keeps the context's cipher (and IV length) and sets only the key, nonce and direction.
            OpenSslNative.Check(OpenSslNative.CipherInit(context, 0, 0, k, n, encrypt ? 1 : 0), "EVP_CipherInit_ex");
        }

        int written;
        if (!associatedData.IsEmpty)
        {
            fixed (byte* ad = associatedData)
            {
                // A null output makes this the associated data.
                OpenSslNative.Check(OpenSslNative.CipherUpdate(context, null, &written, ad, associatedData.Length), "EVP_CipherUpdate (associated data)");
            }
        }

        if (!input.IsEmpty)
        {
            fixed (byte* i = input)
            fixed (byte* o = output)
            {
                OpenSslNative.Check(OpenSslNative.CipherUpdate(context, o, &written, i, input.Length), "EVP_CipherUpdate");
            }

            if (written != input.Length)
            {
                throw new CryptographicException($"OpenSSL EVP_CipherUpdate wrote {written} of {input.Length} bytes.");
            }
        }
    }

    /// <summary>Takes a reference on the context handle for one operation (released by <see cref="Release"/>).</summary>
    private nint Acquire(ref bool added)
    {
        _context.DangerousAddRef(ref added);
        return _context.DangerousGetHandle();
    }

    /// <summary>Re-keys the context with zeros (no message key stays in it) and releases the handle reference.</summary>
    private void Release(bool added)
    {
        if (!added)
        {
            return;
        }

        fixed (byte* zeros = Zeros)
        {
            if (OpenSslNative.CipherInit(_context.DangerousGetHandle(), 0, 0, zeros, zeros, OpenSslNative.KeepDirection) != 1)
            {
                OpenSslNative.ErrClearError();
            }
        }

        _context.DangerousRelease();
    }
}
