using System.Runtime.InteropServices;

namespace MqttHealth.Payloads.Crypto;

/// <summary>
/// The part of OpenSSL's libcrypto the envelope's hot path calls directly: the EVP cipher and digest functions that
/// .NET's own crypto uses on Linux, but with contexts made once and re-keyed per message (.NET's AesGcm and
/// ChaCha20Poly1305 cannot be re-keyed). Every function here exists in OpenSSL 1.1.1 and 3.x, except the explicit
/// fetches, which are only called on 3.x (an implicit fetch on every init costs OpenSSL 3 more than the hashing).
/// </summary>
/// <remarks>
/// The library is found by a resolver (<see cref="LibraryNames"/>, first that loads wins), the same libcrypto .NET
/// loads; when none loads, the first call throws <see cref="DllNotFoundException"/> naming what was tried and what to
/// install (<see cref="MissingLibraryMessage"/>). Cold paths (ECDH, ECDSA, HKDF, key wrapping, X.509) stay on .NET's API.
/// </remarks>
internal static unsafe partial class OpenSslNative
{
    /// <summary>The name the imports use; only the resolver maps it to a file.</summary>
    private const string Library = "mqtthealth-libcrypto";

    internal const int CtrlAeadSetIvLength = 0x9;  // EVP_CTRL_AEAD_SET_IVLEN
    internal const int CtrlAeadGetTag = 0x10;      // EVP_CTRL_AEAD_GET_TAG
    internal const int CtrlAeadSetTag = 0x11;      // EVP_CTRL_AEAD_SET_TAG
    internal const int KeepDirection = -1;         // EVP_CipherInit_ex's enc: keep the context's direction

    private static readonly Lock Gate = new();
    private static nint s_library;
    private static volatile bool s_algorithmsLoaded;
    private static nint s_aes256Gcm;
    private static nint s_chaCha20Poly1305;
    private static nint s_sha512;

    static OpenSslNative() => NativeLibrary.SetDllImportResolver(typeof(OpenSslNative).Assembly, Resolve);

    /// <summary>The sonames tried, in order: OpenSSL 3 (Debian 12 and later), then 1.1 (Debian 11).</summary>
    internal static IReadOnlyList<string> LibraryNames { get; } = ["libcrypto.so.3", "libcrypto.so.1.1"];

    /// <summary>EVP_aes_256_gcm (fetched once on OpenSSL 3); 0 when this libcrypto does not offer it.</summary>
    internal static nint Aes256Gcm => LoadAlgorithms() ? s_aes256Gcm : 0;

    /// <summary>EVP_chacha20_poly1305 (fetched once on OpenSSL 3); 0 when this libcrypto does not offer it.</summary>
    internal static nint ChaCha20Poly1305 => LoadAlgorithms() ? s_chaCha20Poly1305 : 0;

    /// <summary>EVP_sha512 (fetched once on OpenSSL 3); 0 when this libcrypto does not offer it.</summary>
    internal static nint Sha512 => LoadAlgorithms() ? s_sha512 : 0;

    /// <summary>The loaded library's own version line, e.g. "OpenSSL 3.0.19 27 Jan 2026".</summary>
    internal static string VersionText => Marshal.PtrToStringAnsi(OpenSslVersion(0)) ?? "unknown";

    /// <summary>What a missing libcrypto is reported as: the names tried and the package that provides them.</summary>
    internal static string MissingLibraryMessage(IReadOnlyList<string> triedNames) =>
        $"OpenSSL's libcrypto could not be loaded (tried {string.Join(", ", triedNames)}). The envelope seals and opens " +
        "through it, as .NET's crypto does on Linux. Install it: `apt-get install libssl3` (Debian 12 and later; " +
        "libssl1.1 on Debian 11).";

    /// <summary>Loads the first of <paramref name="names"/> that loads; throws <see cref="DllNotFoundException"/> with <see cref="MissingLibraryMessage"/> when none does.</summary>
    internal static nint LoadFirst(IReadOnlyList<string> names)
    {
        foreach (var name in names)
        {
            if (NativeLibrary.TryLoad(name, out var handle))
            {
                return handle;
            }
        }

        throw new DllNotFoundException(MissingLibraryMessage(names));
    }

    [LibraryImport(Library, EntryPoint = "OpenSSL_version_num")]
    internal static partial nuint OpenSslVersionNumber();

    [LibraryImport(Library, EntryPoint = "OpenSSL_version")]
    private static partial nint OpenSslVersion(int type);

    [LibraryImport(Library, EntryPoint = "ERR_get_error")]
    internal static partial nuint ErrGetError();

    [LibraryImport(Library, EntryPoint = "ERR_clear_error")]
    internal static partial void ErrClearError();

    [LibraryImport(Library, EntryPoint = "EVP_CIPHER_CTX_new")]
    internal static partial OpenSslCipherContextHandle CipherContextNew();

    [LibraryImport(Library, EntryPoint = "EVP_CIPHER_CTX_free")]
    internal static partial void CipherContextFree(nint ctx);

    [LibraryImport(Library, EntryPoint = "EVP_CipherInit_ex")]
    internal static partial int CipherInit(nint ctx, nint cipher, nint engine, byte* key, byte* iv, int enc);

    [LibraryImport(Library, EntryPoint = "EVP_CipherUpdate")]
    internal static partial int CipherUpdate(nint ctx, byte* output, int* outputLength, byte* input, int inputLength);

    [LibraryImport(Library, EntryPoint = "EVP_CipherFinal_ex")]
    internal static partial int CipherFinal(nint ctx, byte* output, int* outputLength);

    [LibraryImport(Library, EntryPoint = "EVP_CIPHER_CTX_ctrl")]
    internal static partial int CipherContextControl(nint ctx, int type, int arg, void* ptr);

    [LibraryImport(Library, EntryPoint = "EVP_MD_CTX_new")]
    internal static partial OpenSslDigestContextHandle DigestContextNew();

    [LibraryImport(Library, EntryPoint = "EVP_MD_CTX_free")]
    internal static partial void DigestContextFree(nint ctx);

    [LibraryImport(Library, EntryPoint = "EVP_DigestInit_ex")]
    internal static partial int DigestInit(nint ctx, nint type, nint engine);

    [LibraryImport(Library, EntryPoint = "EVP_DigestUpdate")]
    internal static partial int DigestUpdate(nint ctx, byte* data, nuint length);

    [LibraryImport(Library, EntryPoint = "EVP_DigestFinal_ex")]
    internal static partial int DigestFinal(nint ctx, byte* digest, uint* length);

    [LibraryImport(Library, EntryPoint = "EVP_aes_256_gcm")]
    private static partial nint EvpAes256Gcm();

    [LibraryImport(Library, EntryPoint = "EVP_chacha20_poly1305")]
    private static partial nint EvpChaCha20Poly1305();

    [LibraryImport(Library, EntryPoint = "EVP_sha512")]
    private static partial nint EvpSha512();

    [LibraryImport(Library, EntryPoint = "EVP_CIPHER_fetch", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint CipherFetch(nint libraryContext, string algorithm, string? properties);

    [LibraryImport(Library, EntryPoint = "EVP_MD_fetch", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint DigestFetch(nint libraryContext, string algorithm, string? properties);

    /// <summary>Throws <see cref="System.Security.Cryptography.CryptographicException"/> for a libcrypto call that returned other than 1.</summary>
    internal static void Check(int result, string operation)
    {
        if (result != 1)
        {
            throw Failure(operation);
        }
    }

    /// <summary>The exception for a failed call, with OpenSSL's first queued error code; clears the thread's error queue.</summary>
    internal static System.Security.Cryptography.CryptographicException Failure(string operation)
    {
        var code = ErrGetError();
        ErrClearError();
        return new System.Security.Cryptography.CryptographicException($"OpenSSL {operation} failed (error 0x{code:x}).");
    }

    private static nint Resolve(string libraryName, System.Reflection.Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != Library)
        {
            return 0; // the default probing, e.g. for libzstd
        }

        lock (Gate)
        {
            return s_library != 0 ? s_library : s_library = LoadFirst(LibraryNames);
        }
    }

    private static bool LoadAlgorithms()
    {
        if (s_algorithmsLoaded)
        {
            return true;
        }

        lock (Gate)
        {
            if (!s_algorithmsLoaded)
            {
                // OpenSSL 3 re-fetches a built-in EVP_CIPHER or EVP_MD (a locked method-store lookup) on every init;
                // an explicitly fetched one is used as it is. OpenSSL 1.1 has no fetch and no such cost.
                if (OpenSslVersionNumber() >= 0x30000000)
                {
                    s_aes256Gcm = CipherFetch(0, "AES-256-GCM", null);
                    s_chaCha20Poly1305 = CipherFetch(0, "ChaCha20-Poly1305", null);
                    s_sha512 = DigestFetch(0, "SHA512", null);
                    ErrClearError(); // a fetch that found nothing (e.g. a FIPS-only configuration) leaves an error queued
                }
                else
                {
                    s_aes256Gcm = EvpAes256Gcm();
                    s_chaCha20Poly1305 = TryGet(EvpChaCha20Poly1305);
                    s_sha512 = EvpSha512();
                }

                s_algorithmsLoaded = true;
            }
        }

        return true;
    }

    private static nint TryGet(Func<nint> function)
    {
        try
        {
            return function();
        }
        catch (EntryPointNotFoundException)
        {
            return 0; // built without it (OPENSSL_NO_CHACHA)
        }
    }
}
