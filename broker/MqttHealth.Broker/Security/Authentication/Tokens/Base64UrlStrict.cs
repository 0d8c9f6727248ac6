namespace MqttHealth.Broker.Security.Authentication.Tokens;

/// <summary>
/// Base64url without padding (RFC 7515 §2, RFC 4648 §5), strictly: only <c>A-Z a-z 0-9 - _</c>, no <c>=</c>, no
/// white space, no length that leaves a lone character, and the unused bits of the last character zero, so every byte
/// string has exactly one accepted encoding. (<see cref="System.Buffers.Text.Base64Url"/> accepts padding and skips
/// white space, which is why it is not used here.)
/// </summary>
internal static class Base64UrlStrict
{
    // 0-63 for the alphabet, 0xFF for everything else.
    private static readonly byte[] Values = BuildValues();

    /// <summary>The decoded length of <paramref name="length"/> characters, or -1 when no valid encoding has that length.</summary>
    public static int DecodedLength(int length) => (length % 4) switch
    {
        0 => length / 4 * 3,
        2 => (length / 4 * 3) + 1,
        3 => (length / 4 * 3) + 2,
        _ => -1,
    };

    /// <summary>Decodes <paramref name="encoded"/> (ASCII bytes) into a new array; null when it is not strict base64url.</summary>
    public static byte[]? Decode(ReadOnlySpan<byte> encoded)
    {
        int length = DecodedLength(encoded.Length);
        if (length < 0)
        {
            return null;
        }

        byte[] output = new byte[length];
        int o = 0;
        int i = 0;
        for (; i + 4 <= encoded.Length; i += 4)
        {
            if (!TryValue(encoded[i], out int a) || !TryValue(encoded[i + 1], out int b) || !TryValue(encoded[i + 2], out int c) || !TryValue(encoded[i + 3], out int d))
            {
                return null;
            }

            int n = (a << 18) | (b << 12) | (c << 6) | d;
            output[o++] = (byte)(n >> 16);
            output[o++] = (byte)(n >> 8);
            output[o++] = (byte)n;
        }

        int rest = encoded.Length - i;
        if (rest == 2)
        {
            if (!TryValue(encoded[i], out int a) || !TryValue(encoded[i + 1], out int b) || (b & 0x0F) != 0)
            {
                return null;
            }

            output[o] = (byte)((a << 2) | (b >> 4));
        }
        else if (rest == 3)
        {
            if (!TryValue(encoded[i], out int a) || !TryValue(encoded[i + 1], out int b) || !TryValue(encoded[i + 2], out int c) || (c & 0x03) != 0)
            {
                return null;
            }

            int n = (a << 10) | (b << 4) | (c >> 2);
            output[o++] = (byte)(n >> 8);
            output[o] = (byte)n;
        }

        return output;
    }

    /// <summary>Decodes a JWK member (a string) such as <c>x</c>, <c>n</c> or <c>e</c>; null when it is not strict base64url.</summary>
    public static byte[]? Decode(string encoded)
    {
        byte[] ascii = new byte[encoded.Length];
        for (int i = 0; i < encoded.Length; i++)
        {
            if (encoded[i] > 0x7F)
            {
                return null;
            }

            ascii[i] = (byte)encoded[i];
        }

        return Decode(ascii);
    }

    /// <summary>True when every byte is in the base64url alphabet.</summary>
    public static bool IsAlphabet(ReadOnlySpan<byte> encoded)
    {
        foreach (byte b in encoded)
        {
            if (Values[b] == 0xFF)
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryValue(byte c, out int value)
    {
        value = Values[c];
        return value != 0xFF;
    }

    private static byte[] BuildValues()
    {
        byte[] values = new byte[256];
        Array.Fill(values, (byte)0xFF);
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for (int i = 0; i < Alphabet.Length; i++)
        {
            values[Alphabet[i]] = (byte)i;
        }

        return values;
    }
}
