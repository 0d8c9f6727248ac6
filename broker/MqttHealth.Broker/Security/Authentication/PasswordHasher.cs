using System.Globalization;
using System.Security.Cryptography;

namespace MqttHealth.Broker.Security.Authentication;

/// <summary>
/// Salted PBKDF2-HMAC-SHA256 password hashes in a self-describing string:
/// <c>pbkdf2-sha256$ITERATIONS$BASE64(SALT)$BASE64(HASH)</c>, with a 16-byte random salt and a 32-byte hash.
/// </summary>
/// <remarks>
/// The string carries its own iteration count, so the configured count can be raised later while hashes made
/// with the old count still verify (they are rehashed when the password is next set). The default,
/// <see cref="DefaultIterations"/> = 600,000, is OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256 (Password
/// Storage Cheat Sheet); at that count one hash costs on the order of 100 ms of CPU, which is why the broker runs
/// it outside the engine lock and with bounded concurrency (<see cref="ConnectAuthenticator"/>). Comparison is
/// constant-time (<see cref="CryptographicOperations.FixedTimeEquals"/>). MQTT passwords are binary data; the
/// CLI hashes the UTF-8 bytes of what the operator types.
/// </remarks>
public sealed class PasswordHasher
{
    public const string Algorithm = "pbkdf2-sha256";

    /// <summary>OWASP Password Storage Cheat Sheet (2023): 600,000 iterations for PBKDF2-HMAC-SHA256.</summary>
    public const int DefaultIterations = 600_000;

    /// <summary>Upper bound accepted when parsing, so a hand-edited users file cannot make one CONNECT cost minutes.</summary>
    public const int MaximumIterations = 100_000_000;

    public const int SaltSize = 16;

    public const int HashSize = 32;

    public PasswordHasher(int iterations = DefaultIterations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(iterations, MaximumIterations);
        Iterations = iterations;
    }

    /// <summary>The iteration count new hashes are made with.</summary>
    public int Iterations { get; }

    /// <summary>Hashes <paramref name="password"/> with a fresh random salt.</summary>
    public string Hash(ReadOnlySpan<byte> password)
    {
        Span<byte> salt = stackalloc byte[SaltSize];
        RandomNumberGenerator.Fill(salt);
        Span<byte> hash = stackalloc byte[HashSize];
        Rfc2898DeriveBytes.Pbkdf2(password, salt, hash, Iterations, HashAlgorithmName.SHA256);
        return string.Create(CultureInfo.InvariantCulture, $"{Algorithm}${Iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }

    /// <summary>
    /// True when <paramref name="password"/> matches <paramref name="stored"/>. A string that does not parse never
    /// matches. The derivation uses the stored string's own iteration count and salt.
    /// </summary>
    public static bool Verify(ReadOnlySpan<byte> password, string stored)
    {
        if (!TryParse(stored, out int iterations, out byte[] salt, out byte[] expected, out _))
        {
            return false;
        }

        Span<byte> actual = stackalloc byte[HashSize];
        Rfc2898DeriveBytes.Pbkdf2(password, salt, actual, iterations, HashAlgorithmName.SHA256);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>Checks the format of a stored hash string; <paramref name="error"/> says what is wrong (never echoing the string).</summary>
    public static bool IsWellFormed(string stored, out string? error) => TryParse(stored, out _, out _, out _, out error);

    /// <summary>The iteration count a stored hash was made with, or null when the string does not parse.</summary>
    public static int? IterationsOf(string stored) => TryParse(stored, out int iterations, out _, out _, out _) ? iterations : null;

    private static bool TryParse(string? stored, out int iterations, out byte[] salt, out byte[] hash, out string? error)
    {
        iterations = 0;
        salt = [];
        hash = [];
        if (string.IsNullOrEmpty(stored))
        {
            error = "the password hash is empty";
            return false;
        }

        string[] parts = stored.Split('$');
        if (parts.Length != 4)
        {
            error = $"the password hash must have the form {Algorithm}$ITERATIONS$SALT$HASH";
            return false;
        }

        if (!string.Equals(parts[0], Algorithm, StringComparison.Ordinal))
        {
            error = $"unsupported password hash algorithm (expected {Algorithm})";
            return false;
        }

        // Digits only: no sign, no spaces, no leading zeros, so one count has exactly one spelling.
        if (parts[1].Length == 0 || parts[1][0] == '0' || !parts[1].All(char.IsAsciiDigit)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out iterations)
            || iterations > MaximumIterations)
        {
            error = $"the iteration count must be a whole number from 1 to {MaximumIterations}";
            iterations = 0;
            return false;
        }

        if (!TryDecode(parts[2], SaltSize, out salt))
        {
            error = $"the salt must be {SaltSize} bytes in base64";
            return false;
        }

        if (!TryDecode(parts[3], HashSize, out hash))
        {
            error = $"the hash must be {HashSize} bytes in base64";
            return false;
        }

        error = null;
        return true;
    }

    private static bool TryDecode(string base64, int size, out byte[] bytes)
    {
        bytes = new byte[size];
        return Convert.TryFromBase64String(base64, bytes, out int written) && written == size
            && string.Equals(Convert.ToBase64String(bytes), base64, StringComparison.Ordinal); // canonical encoding only
    }
}
