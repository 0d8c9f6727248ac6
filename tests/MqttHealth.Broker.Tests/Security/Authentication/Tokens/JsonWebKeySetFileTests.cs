using MqttHealth.Broker.Security;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using MqttHealth.Broker.Security.Authentication.Tokens;
using MqttHealth.Broker.Tests.Infrastructure;

namespace MqttHealth.Broker.Tests.Security.Authentication.Tokens;

/// <summary>The key set file: what it accepts, skips and refuses, and key rotation by rewriting it.</summary>
public sealed class JsonWebKeySetFileTests : IDisposable
{
    private readonly TestTokenIssuer _issuer = new();
    private readonly ManualTimeProvider _time = new();

    public void Dispose() => _issuer.Dispose();

    [Fact]
    public void Open_EcAndRsaKeys_BothUsable()
    {
        JsonWebKeySetFile keys = JsonWebKeySetFile.Open(_issuer.JwksPath);

        Assert.Collection(
            keys.Keys,
            k => Assert.Equal((TestTokenIssuer.EcKid, JwtAlgorithm.ES256, 256), (k.KeyId, k.Algorithm, k.SizeInBits)),
            k => Assert.Equal((TestTokenIssuer.RsaKid, JwtAlgorithm.RS256, 2048), (k.KeyId, k.Algorithm, k.SizeInBits)));
        Assert.Empty(keys.Ignored);
    }

    [Fact]
    public void Open_RsaKeyUnder2048Bits_RefusedNamingTheFileAndTheSize()
    {
        using var small = RSA.Create(1024);
        _issuer.WriteJwks(TestTokenIssuer.EcJwk(_issuer.Ec, "ec-1"), TestTokenIssuer.RsaJwk(small, "rsa-small"));

        var ex = Assert.Throws<JwksException>(() => JsonWebKeySetFile.Open(_issuer.JwksPath));

        Assert.Contains(_issuer.JwksPath, ex.Message, StringComparison.Ordinal);
        Assert.Contains("1024 bits", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_PrivateKeyMaterial_Refused()
    {
        JsonObject jwk = TestTokenIssuer.EcJwk(_issuer.Ec, "ec-1");
        jwk["d"] = TestTokenIssuer.Encode(_issuer.Ec.ExportParameters(true).D);
        _issuer.WriteJwks(jwk);

        Assert.Contains("private key material", Assert.Throws<JwksException>(() => JsonWebKeySetFile.Open(_issuer.JwksPath)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_SymmetricKey_Refused()
    {
        _issuer.WriteJwks(TestTokenIssuer.EcJwk(_issuer.Ec, "ec-1"), new JsonObject { ["kty"] = "oct", ["k"] = "c2VjcmV0", ["kid"] = "hmac" });

        Assert.Contains("symmetric", Assert.Throws<JwksException>(() => JsonWebKeySetFile.Open(_issuer.JwksPath)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_KidTwice_Refused()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        _issuer.WriteJwks(TestTokenIssuer.EcJwk(_issuer.Ec, "k"), TestTokenIssuer.EcJwk(other, "k"));

        Assert.Contains("appears twice", Assert.Throws<JwksException>(() => JsonWebKeySetFile.Open(_issuer.JwksPath)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_AlgThatDoesNotFitTheKeyType_Refused()
    {
        _issuer.WriteJwks(TestTokenIssuer.RsaJwk(_issuer.Rsa, "rsa-1", alg: "ES256"));

        Assert.Contains("does not fit", Assert.Throws<JwksException>(() => JsonWebKeySetFile.Open(_issuer.JwksPath)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_PointNotOnTheCurve_Refused()
    {
        JsonObject jwk = TestTokenIssuer.EcJwk(_issuer.Ec, "ec-1");
        byte[] y = System.Buffers.Text.Base64Url.DecodeFromChars(jwk["y"]!.GetValue<string>());
        y[31] ^= 1;
        jwk["y"] = TestTokenIssuer.Encode(y);
        _issuer.WriteJwks(jwk);

        Assert.Contains("not a valid P-256 public key", Assert.Throws<JwksException>(() => JsonWebKeySetFile.Open(_issuer.JwksPath)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("{\"keys\":{}}", "\"keys\" array")]
    [InlineData("{\"keys\":[]}", "no usable signing key")]
    [InlineData("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AA==\",\"y\":\"AA\"}]}", "base64url")]
    [InlineData("{\"keys\":[{\"kty\":\"EC\",\"kty\":\"RSA\"}]}", "not valid JSON")]
    public void Open_NotAUsableKeySet_RefusedWithTheProblem(string content, string expected)
    {
        _issuer.WriteRaw(content);

        var ex = Assert.Throws<JwksException>(() => JsonWebKeySetFile.Open(_issuer.JwksPath));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.Contains(_issuer.JwksPath, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_Missing_RefusedNamingTheFile()
    {
        string path = Path.Combine(_issuer.Directory, "absent.json");

        Assert.Contains("does not exist", Assert.Throws<JwksException>(() => JsonWebKeySetFile.Open(path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_EncryptionKeysAndOtherCurvesAndAlgorithms_SkippedBesideUsableOnes()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        ECParameters p = p384.ExportParameters(false);
        _issuer.WriteJwks(
            TestTokenIssuer.EcJwk(_issuer.Ec, "ec-1", alg: "ES256", use: "sig"),
            TestTokenIssuer.RsaJwk(_issuer.Rsa, "rsa-enc", use: "enc"),
            TestTokenIssuer.RsaJwk(_issuer.Rsa, "rsa-ps", alg: "PS256"),
            new JsonObject { ["kty"] = "EC", ["crv"] = "P-384", ["x"] = TestTokenIssuer.Encode(p.Q.X), ["y"] = TestTokenIssuer.Encode(p.Q.Y), ["kid"] = "ec-384" },
            new JsonObject { ["kty"] = "OKP", ["crv"] = "Ed25519", ["x"] = "AAAA", ["kid"] = "ed" });

        JsonWebKeySetFile keys = JsonWebKeySetFile.Open(_issuer.JwksPath);

        Assert.Equal("ec-1", Assert.Single(keys.Keys).KeyId);
        Assert.Equal(4, keys.Ignored.Count);
    }

    [Fact]
    public void Refresh_NewKeyWritten_TokensOfTheNewKeyAcceptedAndOfTheRemovedKeyRefused()
    {
        JsonWebKeySetFile keys = JsonWebKeySetFile.Open(_issuer.JwksPath);
        var validator = Validator(keys);
        using var next = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string oldToken = _issuer.Es256(TestTokenIssuer.Claims(_time.GetUtcNow()));
        string newToken = _issuer.Es256(TestTokenIssuer.Claims(_time.GetUtcNow()), kid: "ec-2", key: next);
        Assert.False(validator.TryValidate(Encoding.ASCII.GetBytes(newToken), out _, out _));

        _issuer.WriteJwks(TestTokenIssuer.EcJwk(next, "ec-2"));

        Assert.Equal(FileRefresh.Reloaded, keys.Refresh());
        Assert.True(validator.TryValidate(Encoding.ASCII.GetBytes(newToken), out _, out string? error), error);
        Assert.False(validator.TryValidate(Encoding.ASCII.GetBytes(oldToken), out _, out _));
        Assert.Equal(FileRefresh.Unchanged, keys.Refresh());
    }

    [Fact]
    public void Refresh_BadNewFile_LastGoodKeysStayUntilTheFileIsFixed()
    {
        JsonWebKeySetFile keys = JsonWebKeySetFile.Open(_issuer.JwksPath);
        var validator = Validator(keys);
        string token = _issuer.Es256(TestTokenIssuer.Claims(_time.GetUtcNow()));

        _issuer.WriteRaw("{\"keys\": [ truncated");

        Assert.Equal(FileRefresh.Failed, keys.Refresh());
        Assert.Contains("not valid JSON", keys.LastError, StringComparison.Ordinal);
        Assert.Equal(FileRefresh.Unchanged, keys.Refresh()); // the same bad file is reported once
        Assert.True(validator.TryValidate(Encoding.ASCII.GetBytes(token), out _, out string? error), error);

        using var next = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        _issuer.WriteJwks(TestTokenIssuer.EcJwk(next, "ec-2"));
        Assert.Equal(FileRefresh.Reloaded, keys.Refresh());
        Assert.Null(keys.LastError);
        Assert.False(validator.TryValidate(Encoding.ASCII.GetBytes(token), out _, out _));
    }

    private JwtValidator Validator(JsonWebKeySetFile keys) =>
        new(keys, new JwtValidationParameters(TestTokenIssuer.Issuer, TestTokenIssuer.Audience, TimeSpan.FromMinutes(1)), _time);
}
