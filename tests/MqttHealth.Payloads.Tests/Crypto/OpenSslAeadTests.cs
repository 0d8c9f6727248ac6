using MqttHealth.Payloads.Crypto;

namespace MqttHealth.Payloads.Tests.Crypto;

public class OpenSslAeadTests
{
    private const int KeyLength = OpenSslAead.KeyLength;
    private const int NonceLength = OpenSslAead.NonceLength;
    private const int TagLength = OpenSslAead.TagLength;

    public static TheoryData<bool> Suites => new() { false, true };

    [Theory]
    [MemberData(nameof(Suites))]
    public void Encrypt_RandomKeysNoncesAssociatedDataAndLengths0To300_EqualsDotNetAndDotNetOpensIt(bool chaCha)
    {
        var random = new Random(chaCha ? 11 : 7);
        using var aead = Create(chaCha);
        for (var length = 0; length <= 300; length++)
        {
            var (key, nonce, ad, plaintext) = RandomInputs(random, length);
            var (ciphertext, tag) = SealAndCompareWithDotNet(aead, chaCha, key, nonce, plaintext, ad);

            var opened = new byte[length];
            Assert.True(DotNetAead.TryDecrypt(chaCha, key, nonce, ciphertext, tag, opened, ad), $"length {length}");
            Assert.Equal(plaintext, opened);
        }
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Decrypt_OfDotNetSealedRandomInputsLengths0To300_ReturnsThePlaintext(bool chaCha)
    {
        var random = new Random(chaCha ? 13 : 17);
        using var aead = Create(chaCha);
        for (var length = 0; length <= 300; length++)
        {
            var (key, nonce, ad, plaintext) = RandomInputs(random, length);
            var (ciphertext, tag) = DotNetAead.Seal(chaCha, key, nonce, plaintext, ad);

            var opened = new byte[length];
            Assert.True(aead.Decrypt(key, nonce, ciphertext, tag, opened, ad), $"length {length}");
            Assert.Equal(plaintext, opened);
        }
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void EncryptAndDecrypt_InPlace_SameBytesAsSeparateBuffers(bool chaCha)
    {
        var random = new Random(5);
        using var aead = Create(chaCha);
        var (key, nonce, ad, plaintext) = RandomInputs(random, 77);
        var (ciphertext, tag) = Seal(aead, key, nonce, plaintext, ad);

        var buffer = (byte[])plaintext.Clone();
        var inPlaceTag = new byte[TagLength];
        aead.Encrypt(key, nonce, buffer, buffer, inPlaceTag, ad);
        Assert.Equal(ciphertext, buffer);
        Assert.Equal(tag, inPlaceTag);

        Assert.True(aead.Decrypt(key, nonce, buffer, tag, buffer, ad));
        Assert.Equal(plaintext, buffer);
    }

    [Theory]
    [InlineData(false, "ciphertext")]
    [InlineData(false, "tag")]
    [InlineData(false, "associated data")]
    [InlineData(true, "ciphertext")]
    [InlineData(true, "tag")]
    [InlineData(true, "associated data")]
    public void Decrypt_AnyFlippedBitInCiphertextTagOrAssociatedData_FailsAndLeavesNoPlaintext(bool chaCha, string part)
    {
        var random = new Random(23);
        using var aead = Create(chaCha);
        var (key, nonce, ad, plaintext) = RandomInputs(random, 64, minAssociatedData: 1);
        var (ciphertext, tag) = Seal(aead, key, nonce, plaintext, ad);
        var target = part switch { "ciphertext" => ciphertext, "tag" => tag, _ => ad };

        for (var bit = 0; bit < target.Length * 8; bit++)
        {
            target[bit / 8] ^= (byte)(1 << (bit % 8));
            var opened = Enumerable.Repeat((byte)0xA5, plaintext.Length).ToArray();
            Assert.False(aead.Decrypt(key, nonce, ciphertext, tag, opened, ad), $"{part} bit {bit}");
            Assert.All(opened, b => Assert.Equal(0, b));
            target[bit / 8] ^= (byte)(1 << (bit % 8));
        }

        // The same context still opens the untouched message: a failure leaves nothing behind.
        var good = new byte[plaintext.Length];
        Assert.True(aead.Decrypt(key, nonce, ciphertext, tag, good, ad));
        Assert.Equal(plaintext, good);
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Decrypt_WithTheWrongKeyOrNonce_FailsAndLeavesNoPlaintext(bool chaCha)
    {
        var random = new Random(29);
        using var aead = Create(chaCha);
        var (key, nonce, ad, plaintext) = RandomInputs(random, 40);
        var (ciphertext, tag) = Seal(aead, key, nonce, plaintext, ad);

        var otherKey = (byte[])key.Clone();
        otherKey[31] ^= 1;
        var otherNonce = (byte[])nonce.Clone();
        otherNonce[0] ^= 1;
        var opened = new byte[plaintext.Length];
        Assert.False(aead.Decrypt(otherKey, nonce, ciphertext, tag, opened, ad));
        Assert.All(opened, b => Assert.Equal(0, b));
        Assert.False(aead.Decrypt(key, otherNonce, ciphertext, tag, opened, ad));
        Assert.All(opened, b => Assert.Equal(0, b));
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Rekeying_OneContextWithAnotherKey_GivesThatKeysOutputAndNothingOfThePreviousKey(bool chaCha)
    {
        var random = new Random(31);
        var keyA = RandomBytes(random, KeyLength);
        var keyB = RandomBytes(random, KeyLength);
        var nonce = RandomBytes(random, NonceLength);
        var ad = RandomBytes(random, 20);
        var plaintext = RandomBytes(random, 50);
        using var aead = Create(chaCha);

        // A, B, A, B on one context: each output is what a fresh .NET context gives for that key alone.
        foreach (var key in new[] { keyA, keyB, keyA, keyB })
        {
            SealAndCompareWithDotNet(aead, chaCha, key, nonce, plaintext, ad);
        }

        // Sealed under A, then the context decrypts under B: B's key alone decides, so the tag fails.
        var (sealedA, tagA) = SealAndCompareWithDotNet(aead, chaCha, keyA, nonce, plaintext, ad);
        Assert.False(aead.Decrypt(keyB, nonce, sealedA, tagA, new byte[plaintext.Length], ad));
        var opened = new byte[plaintext.Length];
        Assert.True(aead.Decrypt(keyA, nonce, sealedA, tagA, opened, ad));
        Assert.Equal(plaintext, opened);
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Encrypt_ContextsOnManyThreadsAtOnce_EachEqualsDotNet(bool chaCha)
    {
        var mismatches = 0;
        Parallel.For(0, 32, worker =>
        {
            var random = new Random(worker);
            using var aead = Create(chaCha);
            for (var i = 0; i < 50; i++)
            {
                var (key, nonce, ad, plaintext) = RandomInputs(random, random.Next(0, 200));
                var (ciphertext, tag) = Seal(aead, key, nonce, plaintext, ad);
                var (expected, expectedTag) = DotNetAead.Seal(chaCha, key, nonce, plaintext, ad);
                if (!expected.AsSpan().SequenceEqual(ciphertext) || !expectedTag.AsSpan().SequenceEqual(tag))
                {
                    Interlocked.Increment(ref mismatches);
                }
            }
        });

        Assert.Equal(0, mismatches);
    }

    [Fact]
    public void Encrypt_WrongLengthsOrPartlyOverlappingBuffers_Refused()
    {
        using var aead = Create(chaCha: false);
        var key = new byte[KeyLength];
        var nonce = new byte[NonceLength];
        var tag = new byte[TagLength];
        var buffer = new byte[64];

        Assert.Throws<ArgumentException>(() => aead.Encrypt(new byte[16], nonce, buffer.AsSpan(0, 8), new byte[8], tag, default));
        Assert.Throws<ArgumentException>(() => aead.Encrypt(key, new byte[8], buffer.AsSpan(0, 8), new byte[8], tag, default));
        Assert.Throws<ArgumentException>(() => aead.Encrypt(key, nonce, buffer.AsSpan(0, 8), new byte[8], new byte[12], default));
        Assert.Throws<ArgumentException>(() => aead.Encrypt(key, nonce, buffer.AsSpan(0, 8), new byte[9], tag, default));
        Assert.Throws<ArgumentException>(() => aead.Encrypt(key, nonce, buffer.AsSpan(0, 32), buffer.AsSpan(1, 32), tag, default));
    }

    private static (byte[] Ciphertext, byte[] Tag) Seal(OpenSslAead aead, byte[] key, byte[] nonce, byte[] plaintext, byte[] ad)
    {
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[TagLength];
        aead.Encrypt(key, nonce, plaintext, ciphertext, tag, ad);
        return (ciphertext, tag);
    }

    /// <summary>Seals natively and with a new .NET context for the same key; asserts both give the same bytes.</summary>
    private static (byte[] Ciphertext, byte[] Tag) SealAndCompareWithDotNet(OpenSslAead aead, bool chaCha, byte[] key, byte[] nonce, byte[] plaintext, byte[] ad)
    {
        var (ciphertext, tag) = Seal(aead, key, nonce, plaintext, ad);
        var (expected, expectedTag) = DotNetAead.Seal(chaCha, key, nonce, plaintext, ad);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(ciphertext));
        Assert.Equal(Convert.ToHexString(expectedTag), Convert.ToHexString(tag));
        return (ciphertext, tag);
    }

    private static OpenSslAead Create(bool chaCha) => chaCha ? OpenSslAead.CreateChaCha20Poly1305() : OpenSslAead.CreateAes256Gcm();

    private static (byte[] Key, byte[] Nonce, byte[] AssociatedData, byte[] Plaintext) RandomInputs(Random random, int length, int minAssociatedData = 0) =>
        (RandomBytes(random, KeyLength), RandomBytes(random, NonceLength), RandomBytes(random, random.Next(minAssociatedData, 100)), RandomBytes(random, length));

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
