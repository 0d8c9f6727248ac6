using System.Security.Cryptography;

namespace MqttHealth.Payloads.Tests.Crypto;

/// <summary>.NET's own AesGcm and ChaCha20Poly1305, a new context per call: the reference the native AEAD must equal.</summary>
internal static class DotNetAead
{
    public static (byte[] Ciphertext, byte[] Tag) Seal(bool chaCha, byte[] key, byte[] nonce, byte[] plaintext, byte[] associatedData)
    {
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[16];
        if (chaCha)
        {
            using var aead = new ChaCha20Poly1305(key);
            aead.Encrypt(nonce, plaintext, ciphertext, tag, associatedData);
        }
        else
        {
            using var aead = new AesGcm(key, tag.Length);
            aead.Encrypt(nonce, plaintext, ciphertext, tag, associatedData);
        }

        return (ciphertext, tag);
    }

    public static bool TryDecrypt(bool chaCha, byte[] key, byte[] nonce, byte[] ciphertext, byte[] tag, byte[] plaintext, byte[] associatedData)
    {
        try
        {
            if (chaCha)
            {
                using var aead = new ChaCha20Poly1305(key);
                aead.Decrypt(nonce, ciphertext, tag, plaintext, associatedData);
            }
            else
            {
                using var aead = new AesGcm(key, tag.Length);
                aead.Decrypt(nonce, ciphertext, tag, plaintext, associatedData);
            }

            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }
}
