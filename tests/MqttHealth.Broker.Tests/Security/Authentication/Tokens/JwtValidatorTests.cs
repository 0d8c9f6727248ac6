using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using MqttHealth.Broker.Security.Authentication.Tokens;
using MqttHealth.Broker.Tests.Infrastructure;

namespace MqttHealth.Broker.Tests.Security.Authentication.Tokens;

/// <summary>The verifier on its own: tokens signed by <see cref="TestTokenIssuer"/> against a real JWKS file.</summary>
public sealed class JwtValidatorTests : IDisposable
{
    private static readonly TimeSpan Skew = TimeSpan.FromSeconds(60);
    private readonly TestTokenIssuer _issuer = new();
    private readonly ManualTimeProvider _time = new();
    private readonly JwtValidator _validator;

    public JwtValidatorTests()
    {
        _validator = new JwtValidator(JsonWebKeySetFile.Open(_issuer.JwksPath), new JwtValidationParameters(TestTokenIssuer.Issuer, TestTokenIssuer.Audience, Skew), _time);
    }

    private DateTimeOffset Now => _time.GetUtcNow();

    public void Dispose() => _issuer.Dispose();

    [Fact]
    public void Validate_Es256_Accepted()
    {
        ValidatedToken token = Accepted(_issuer.Es256(TestTokenIssuer.Claims(Now)));

        Assert.Equal(JwtAlgorithm.ES256, token.Algorithm);
        Assert.Equal(TestTokenIssuer.EcKid, token.Key.KeyId);
        Assert.Equal("dev42", token.Claims.GetProperty("sub").GetString());
        Assert.Equal(Now.AddMinutes(10), token.ExpiresAt);
    }

    [Fact]
    public void Validate_Rs256_Accepted()
    {
        ValidatedToken token = Accepted(_issuer.Rs256(TestTokenIssuer.Claims(Now)));

        Assert.Equal(JwtAlgorithm.RS256, token.Algorithm);
        Assert.Equal(TestTokenIssuer.RsaKid, token.Key.KeyId);
    }

    [Theory]
    [InlineData("ES256")]
    [InlineData("RS256")]
    public void Validate_NoKid_TriesTheKeysOfTheAlgorithmsType(string alg)
    {
        string token = alg == "ES256" ? _issuer.Es256(TestTokenIssuer.Claims(Now), kid: null) : _issuer.Rs256(TestTokenIssuer.Claims(Now), kid: null);

        Assert.Equal(alg, Accepted(token).Algorithm.ToString());
    }

    [Fact]
    public void Validate_Expired_Refused()
    {
        string token = _issuer.Es256(TestTokenIssuer.Claims(Now.AddHours(-1), lifetime: TimeSpan.FromMinutes(10)));

        Assert.Contains("expired", Refused(token), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ExpiryAtTheSkewsEdge_AcceptedJustBeforeRefusedAt()
    {
        DateTimeOffset exp = Now;
        string token = _issuer.Es256(TestTokenIssuer.Claims(Now.AddMinutes(-10), lifetime: TimeSpan.FromMinutes(10)));

        _time.Advance(Skew - TimeSpan.FromMilliseconds(1)); // exp + skew - 1 ms: still good
        Accepted(token);
        _time.Advance(TimeSpan.FromMilliseconds(1)); // exp + skew: refused
        Assert.Contains("expired", Refused(token), StringComparison.Ordinal);
        Assert.Equal(exp + Skew, Now);
    }

    [Fact]
    public void Validate_NotBeforeInTheFuture_RefusedBeyondTheSkewAcceptedWithin()
    {
        JsonObject far = TestTokenIssuer.Claims(Now);
        far["nbf"] = Now.AddMinutes(5).ToUnixTimeSeconds();
        JsonObject near = TestTokenIssuer.Claims(Now);
        near["nbf"] = (Now + Skew).ToUnixTimeSeconds();

        Assert.Contains("not valid before", Refused(_issuer.Es256(far)), StringComparison.Ordinal);
        Accepted(_issuer.Es256(near));
    }

    [Fact]
    public void Validate_IssuedInTheFuture_Refused()
    {
        JsonObject claims = TestTokenIssuer.Claims(Now.AddMinutes(5));

        Assert.Contains("issued in the future", Refused(_issuer.Es256(claims)), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NoExp_Refused()
    {
        JsonObject claims = TestTokenIssuer.Claims(Now);
        claims.Remove("exp");

        Assert.Contains("no \"exp\"", Refused(_issuer.Es256(claims)), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_LongerThanTheMaximumLifetime_Refused()
    {
        var strict = new JwtValidator(JsonWebKeySetFile.Open(_issuer.JwksPath), new JwtValidationParameters(TestTokenIssuer.Issuer, TestTokenIssuer.Audience, Skew, TimeSpan.FromHours(1)), _time);

        Assert.True(strict.TryValidate(Ascii(_issuer.Es256(TestTokenIssuer.Claims(Now, lifetime: TimeSpan.FromHours(1)))), out _, out _));
        Assert.False(strict.TryValidate(Ascii(_issuer.Es256(TestTokenIssuer.Claims(Now, lifetime: TimeSpan.FromHours(2)))), out _, out string? error));
        Assert.Contains("lifetime", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_WrongIssuer_Refused()
    {
        JsonObject claims = TestTokenIssuer.Claims(Now);
        claims["iss"] = "https://evil.test/";

        Assert.Contains("issuer", Refused(_issuer.Es256(claims)), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_WrongAudience_Refused()
    {
        JsonObject claims = TestTokenIssuer.Claims(Now);
        claims["aud"] = "another-service";

        Assert.Contains("audience", Refused(_issuer.Es256(claims)), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_AudienceArray_AcceptedWhenItContainsTheAudience()
    {
        JsonObject with = TestTokenIssuer.Claims(Now);
        with["aud"] = new JsonArray("ehr", TestTokenIssuer.Audience);
        JsonObject without = TestTokenIssuer.Claims(Now);
        without["aud"] = new JsonArray("ehr", "billing");

        Accepted(_issuer.Es256(with));
        Assert.Contains("audience", Refused(_issuer.Es256(without)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Validate_AlgNone_Refused(bool withEmptySignature)
    {
        string unsigned = TestTokenIssuer.Encode("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + TestTokenIssuer.Encode(TestTokenIssuer.Claims(Now).ToJsonString()) + (withEmptySignature ? "." : string.Empty);

        string error = Refused(unsigned);

        Assert.Contains(withEmptySignature ? "\"none\"" : "not a compact JWS", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_AlgNoneWithASignatureOfAKnownKey_Refused()
    {
        // The signature is a real ES256 one over this header and payload: only "alg" is wrong.
        string token = TestTokenIssuer.Sign("{\"alg\":\"none\",\"kid\":\"ec-1\"}", TestTokenIssuer.Claims(Now).ToJsonString(), input => _issuer.Ec.SignData(input, HashAlgorithmName.SHA256));

        Assert.Contains("\"none\"", Refused(token), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ec-1")]
    [InlineData("rsa-1")]
    [InlineData(null)]
    public void Validate_Hs256SignedWithThePublicKey_Refused(string? kid)
    {
        // Key confusion: an attacker who knows the public key uses its bytes (the JWK text, or SPKI DER) as an HMAC secret.
        byte[] secret = kid == "rsa-1" ? _issuer.Rsa.ExportSubjectPublicKeyInfo() : Encoding.UTF8.GetBytes(File.ReadAllText(_issuer.JwksPath));
        string token = TestTokenIssuer.Sign(TestTokenIssuer.Header("HS256", kid), TestTokenIssuer.Claims(Now).ToJsonString(), input => HMACSHA256.HashData(secret, input));

        Assert.Contains("HS256", Refused(token), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownKid_Refused()
    {
        string token = _issuer.Es256(TestTokenIssuer.Claims(Now), kid: "ec-2");

        Assert.Contains("no key with kid", Refused(token), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ES256", "rsa-1")]
    [InlineData("RS256", "ec-1")]
    public void Validate_AlgDoesNotFitTheKeysType_Refused(string alg, string kid)
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Func<byte[], byte[]> signer = alg == "ES256"
            ? input => ec.SignData(input, HashAlgorithmName.SHA256)
            : input => _issuer.Rsa.SignData(input, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        string token = TestTokenIssuer.Sign(TestTokenIssuer.Header(alg, kid), TestTokenIssuer.Claims(Now).ToJsonString(), signer);

        Assert.Contains("does not fit", Refused(token), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SignedByAnotherKeyWithAKnownKid_Refused()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        Assert.Contains("does not verify", Refused(_issuer.Es256(TestTokenIssuer.Claims(Now), key: other)), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_TamperedHeader_Refused()
    {
        string[] parts = _issuer.Es256(TestTokenIssuer.Claims(Now)).Split('.');
        parts[0] = TestTokenIssuer.Encode("{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"ec-1\",\"x\":1}");

        Assert.Contains("does not verify", Refused(string.Join('.', parts)), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_TamperedPayload_Refused()
    {
        string[] parts = _issuer.Rs256(TestTokenIssuer.Claims(Now)).Split('.');
        parts[1] = TestTokenIssuer.Encode(TestTokenIssuer.Claims(Now, subject: "admin").ToJsonString());

        Assert.Contains("does not verify", Refused(string.Join('.', parts)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ES256")]
    [InlineData("RS256")]
    public void Validate_TamperedSignature_Refused(string alg)
    {
        string token = alg == "ES256" ? _issuer.Es256(TestTokenIssuer.Claims(Now)) : _issuer.Rs256(TestTokenIssuer.Claims(Now));
        string[] parts = token.Split('.');
        byte[] signature = System.Buffers.Text.Base64Url.DecodeFromChars(parts[2]);
        signature[10] ^= 0x01;
        parts[2] = TestTokenIssuer.Encode(signature);

        Assert.Contains("does not verify", Refused(string.Join('.', parts)), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DerEncodedEcdsaSignature_Refused()
    {
        string token = TestTokenIssuer.Sign(TestTokenIssuer.Header("ES256", TestTokenIssuer.EcKid), TestTokenIssuer.Claims(Now).ToJsonString(),
            input => _issuer.Ec.SignData(input, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));

        Assert.Contains("64 bytes", Refused(token), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_CritHeader_Refused()
    {
        string token = TestTokenIssuer.Sign("{\"alg\":\"ES256\",\"kid\":\"ec-1\",\"crit\":[\"exp\"]}", TestTokenIssuer.Claims(Now).ToJsonString(),
            input => _issuer.Ec.SignData(input, HashAlgorithmName.SHA256));

        Assert.Contains("crit", Refused(token), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_AnotherTyp_Refused()
    {
        string token = TestTokenIssuer.Sign("{\"alg\":\"ES256\",\"kid\":\"ec-1\",\"typ\":\"dpop+jwt\"}", TestTokenIssuer.Claims(Now).ToJsonString(),
            input => _issuer.Ec.SignData(input, HashAlgorithmName.SHA256));

        Assert.Contains("typ", Refused(token), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("padding")]
    [InlineData("plus")]
    [InlineData("space")]
    [InlineData("lone character")]
    [InlineData("non-zero trailing bits")]
    public void Validate_MalformedBase64Url_Refused(string how)
    {
        string[] parts = _issuer.Es256(TestTokenIssuer.Claims(Now)).Split('.');
        parts[1] = how switch
        {
            "padding" => Convert.ToBase64String(Encoding.UTF8.GetBytes(Unaligned(TestTokenIssuer.Claims(Now).ToJsonString()))).Replace('+', '-').Replace('/', '_'),
            "plus" => "+" + parts[1][1..],
            "space" => parts[1][..8] + " " + parts[1][8..],
            "lone character" => parts[1] + (parts[1].Length % 4 == 0 ? "A" : parts[1].Length % 4 == 2 ? "AAA" : "AA"),
            _ => "eyB", // "ey" then 'B' (1): the last character's unused low bits must be zero
        };
        if (how == "padding")
        {
            Assert.EndsWith("=", parts[1], StringComparison.Ordinal);
        }

        Assert.Contains("base64url", Refused(string.Join('.', parts)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"iss\":", "not valid JSON")]
    [InlineData("[1,2,3]", "not a JSON object")]
    [InlineData("\"a string\"", "not a JSON object")]
    public void Validate_MalformedJsonPayload_Refused(string payload, string expected)
    {
        string token = TestTokenIssuer.Sign(TestTokenIssuer.Header("ES256", TestTokenIssuer.EcKid), payload, input => _issuer.Ec.SignData(input, HashAlgorithmName.SHA256));

        Assert.Contains(expected, Refused(token), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MalformedJsonHeader_Refused()
    {
        string token = TestTokenIssuer.Encode("{alg:ES256}") + "." + TestTokenIssuer.Encode(TestTokenIssuer.Claims(Now).ToJsonString()) + ".AAAA";

        Assert.Contains("header is not valid JSON", Refused(token), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DuplicateClaim_Refused()
    {
        // A second "sub" that one parser would take and another ignore: signed properly, refused anyway.
        string payload = TestTokenIssuer.Claims(Now).ToJsonString()[..^1] + ",\"sub\":\"admin\"}";
        string token = TestTokenIssuer.Sign(TestTokenIssuer.Header("ES256", TestTokenIssuer.EcKid), payload, input => _issuer.Ec.SignData(input, HashAlgorithmName.SHA256));

        Assert.Contains("payload is not valid JSON", Refused(token), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DuplicateHeaderMember_Refused()
    {
        string token = TestTokenIssuer.Sign("{\"alg\":\"none\",\"alg\":\"ES256\",\"kid\":\"ec-1\"}", TestTokenIssuer.Claims(Now).ToJsonString(), input => _issuer.Ec.SignData(input, HashAlgorithmName.SHA256));

        Assert.Contains("header is not valid JSON", Refused(token), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_OversizedToken_RefusedBeforeParsing()
    {
        JsonObject claims = TestTokenIssuer.Claims(Now);
        claims["pad"] = new string('x', JwtValidator.MaximumTokenLength);

        Assert.Contains("more than 8192", Refused(_issuer.Es256(claims)), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_EncryptedToken_Refused()
    {
        Assert.Contains("JWE", Refused("eyJhbGciOiJSU0EtT0FFUCJ9.AAAA.AAAA.AAAA.AAAA"), StringComparison.Ordinal);
    }

    private static byte[] Ascii(string token) => Encoding.ASCII.GetBytes(token);

    /// <summary>JSON whose UTF-8 length is not a multiple of 3, so its base64 ends in padding.</summary>
    private static string Unaligned(string json)
    {
        while (Encoding.UTF8.GetByteCount(json) % 3 == 0)
        {
            json += " ";
        }

        return json;
    }

    private ValidatedToken Accepted(string token)
    {
        bool valid = _validator.TryValidate(Ascii(token), out ValidatedToken? validated, out string? error);
        Assert.True(valid, error);
        return validated!;
    }

    private string Refused(string token)
    {
        bool valid = _validator.TryValidate(Ascii(token), out ValidatedToken? validated, out string? error);
        Assert.False(valid);
        Assert.Null(validated);
        Assert.NotNull(error);
        return error;
    }
}
