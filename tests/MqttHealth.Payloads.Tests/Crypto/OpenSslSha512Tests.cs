using System.Security.Cryptography;
using MqttHealth.Payloads.Crypto;
using MqttHealth.Payloads.SenderKeys;

namespace MqttHealth.Payloads.Tests.Crypto;

public class OpenSslSha512Tests
{
    [Fact]
    public void Hash_OfTwoPartsOfRandomLengths_EqualsDotNetSha512OfTheirConcatenation()
    {
        var random = new Random(3);
        using var sha512 = new OpenSslSha512();
        for (var i = 0; i < 300; i++)
        {
            var first = new byte[random.Next(0, 300)];
            var second = new byte[random.Next(0, 300)];
            random.NextBytes(first);
            random.NextBytes(second);
            var hash = new byte[OpenSslSha512.HashLength];
            sha512.Hash(first, second, hash);
            Assert.Equal(Convert.ToHexString(SHA512.HashData([.. first, .. second])), Convert.ToHexString(hash));
        }
    }

    [Fact]
    public void KeyRatchetStep_OnRandomChainKeys_EqualsDotNetHmacSha512OfTheLabel()
    {
        var random = new Random(19);
        for (var i = 0; i < 1000; i++)
        {
            var chainKey = new byte[KeyRatchet.ChainKeyLength];
            random.NextBytes(chainKey);
            var expected = HMACSHA512.HashData(chainKey, "mqtthealth/v1/ratchet"u8);
            var messageKey = new byte[KeyRatchet.MessageKeyLength];
            KeyRatchet.Step(chainKey, messageKey);
            Assert.Equal(Convert.ToHexString(expected.AsSpan(0, 32)), Convert.ToHexString(chainKey));
            Assert.Equal(Convert.ToHexString(expected.AsSpan(32)), Convert.ToHexString(messageKey));
        }
    }
}
