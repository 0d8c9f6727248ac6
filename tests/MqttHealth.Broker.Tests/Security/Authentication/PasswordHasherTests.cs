using System.Text;
using MqttHealth.Broker.Security.Authentication;

namespace MqttHealth.Broker.Tests.Security.Authentication;

public sealed class PasswordHasherTests
{
    private static readonly byte[] Password = Encoding.UTF8.GetBytes("correct horse battery staple");
    private readonly PasswordHasher _hasher = new(iterations: 1000);

    [Fact]
    public void Verify_SamePassword_ReturnsTrue()
    {
        string hash = _hasher.Hash(Password);

        Assert.True(PasswordHasher.Verify(Password, hash));
    }

    [Fact]
    public void Verify_WrongPassword_ReturnsFalse()
    {
        string hash = _hasher.Hash(Password);

        Assert.False(PasswordHasher.Verify("correct horse battery stapler"u8, hash));
        Assert.False(PasswordHasher.Verify([], hash));
    }

    [Fact]
    public void Hash_Format_CarriesAlgorithmIterationsSaltAndHash()
    {
        string[] parts = _hasher.Hash(Password).Split('$');

        Assert.Equal(4, parts.Length);
        Assert.Equal("pbkdf2-sha256", parts[0]);
        Assert.Equal("1000", parts[1]);
        Assert.Equal(16, Convert.FromBase64String(parts[2]).Length);
        Assert.Equal(32, Convert.FromBase64String(parts[3]).Length);
    }

    [Fact]
    public void Hash_SamePasswordTwice_UsesDifferentSalts()
    {
        string first = _hasher.Hash(Password);
        string second = _hasher.Hash(Password);

        Assert.NotEqual(first.Split('$')[2], second.Split('$')[2]);
        Assert.NotEqual(first.Split('$')[3], second.Split('$')[3]);
    }

    [Fact]
    public void Verify_HashMadeWithOtherIterationCount_StillVerifies()
    {
        // Raising the configured count must not lock out users whose hashes were made with the old one.
        string old = new PasswordHasher(iterations: 500).Hash(Password);

        Assert.True(PasswordHasher.Verify(Password, old));
        Assert.Equal(500, PasswordHasher.IterationsOf(old));
    }

    [Fact]
    public void Verify_TamperedIterations_ReturnsFalse()
    {
        string[] parts = _hasher.Hash(Password).Split('$');
        parts[1] = "1001";

        Assert.False(PasswordHasher.Verify(Password, string.Join('$', parts)));
    }

    [Fact]
    public void Verify_TamperedSalt_ReturnsFalse()
    {
        string[] parts = _hasher.Hash(Password).Split('$');
        byte[] salt = Convert.FromBase64String(parts[2]);
        salt[0] ^= 1;
        parts[2] = Convert.ToBase64String(salt);

        Assert.False(PasswordHasher.Verify(Password, string.Join('$', parts)));
    }

    [Fact]
    public void Verify_TamperedHash_ReturnsFalse()
    {
        string[] parts = _hasher.Hash(Password).Split('$');
        byte[] hash = Convert.FromBase64String(parts[3]);
        hash[^1] ^= 0x80;
        parts[3] = Convert.ToBase64String(hash);

        Assert.False(PasswordHasher.Verify(Password, string.Join('$', parts)));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAA==", "form")]
    [InlineData("pbkdf2-sha1$1000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "algorithm")]
    [InlineData("pbkdf2-sha256$0$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "iteration")]
    [InlineData("pbkdf2-sha256$-5$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "iteration")]
    [InlineData("pbkdf2-sha256$01000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "iteration")]
    [InlineData("pbkdf2-sha256$999999999999$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "iteration")]
    [InlineData("pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "salt")]
    [InlineData("pbkdf2-sha256$1000$not base64!$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "salt")]
    [InlineData("pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAA==", "hash")]
    public void IsWellFormed_MalformedString_ReturnsFalseAndSaysWhy(string stored, string expectedWord)
    {
        Assert.False(PasswordHasher.IsWellFormed(stored, out string? error));
        Assert.Contains(expectedWord, error, StringComparison.Ordinal);
        Assert.False(PasswordHasher.Verify(Password, stored));
    }

    [Fact]
    public void Constructor_IterationsBelowOne_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PasswordHasher(0));
    }

    [Fact]
    public void DefaultIterations_Is600000()
    {
        Assert.Equal(600_000, new PasswordHasher().Iterations);
    }
}
