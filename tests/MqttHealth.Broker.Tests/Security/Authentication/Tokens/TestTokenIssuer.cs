using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace MqttHealth.Broker.Tests.Security.Authentication.Tokens;

/// <summary>
/// An identity provider for the tests: P-256 and RSA-2048 keys, a JWKS file, and tokens signed with .NET's crypto
/// directly (not with the broker's code), so a bug in the verifier cannot cancel out in the signer.
/// </summary>
public sealed class TestTokenIssuer : IDisposable
{
    public const string Issuer = "https://idp.test/realms/hospital";
    public const string Audience = "mqtthealth-broker";
    public const string EcKid = "ec-1";
    public const string RsaKid = "rsa-1";

    public TestTokenIssuer()
    {
        Directory = Path.Combine(Path.GetTempPath(), "mqtthealth-jwt-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        JwksPath = Path.Combine(Directory, "jwks.json");
        WriteJwks(EcJwk(Ec, EcKid), RsaJwk(Rsa, RsaKid));
    }

    public ECDsa Ec { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public RSA Rsa { get; } = RSA.Create(2048);

    public string Directory { get; }

    public string JwksPath { get; }

    public static string Encode(ReadOnlySpan<byte> bytes) => Base64Url.EncodeToString(bytes);

    public static string Encode(string json) => Encode(Encoding.UTF8.GetBytes(json));

    public static JsonObject EcJwk(ECDsa key, string? kid, string? alg = null, string? use = null)
    {
        ECParameters p = key.ExportParameters(false);
        var jwk = new JsonObject { ["kty"] = "EC", ["crv"] = "P-256", ["x"] = Encode(p.Q.X), ["y"] = Encode(p.Q.Y) };
        Add(jwk, kid, alg, use);
        return jwk;
    }

    public static JsonObject RsaJwk(RSA key, string? kid, string? alg = null, string? use = null)
    {
        RSAParameters p = key.ExportParameters(false);
        var jwk = new JsonObject { ["kty"] = "RSA", ["n"] = Encode(p.Modulus), ["e"] = Encode(p.Exponent) };
        Add(jwk, kid, alg, use);
        return jwk;
    }

    /// <summary>Writes the key set and moves its time forward, so a reload sees a change even within the file system's time resolution.</summary>
    public void WriteJwks(params JsonNode[] keys) => WriteRaw(new JsonObject { ["keys"] = new JsonArray(keys) }.ToJsonString());

    public void WriteRaw(string content)
    {
        DateTime before = File.Exists(JwksPath) ? File.GetLastWriteTimeUtc(JwksPath) : DateTime.MinValue;
        File.WriteAllText(JwksPath, content);
        if (File.GetLastWriteTimeUtc(JwksPath) <= before)
        {
            File.SetLastWriteTimeUtc(JwksPath, before.AddSeconds(1));
        }
    }

    /// <summary>iss, aud, sub, iat (now) and exp (now + lifetime, 10 minutes by default).</summary>
    public static JsonObject Claims(DateTimeOffset now, string subject = "dev42", TimeSpan? lifetime = null) => new()
    {
        ["iss"] = Issuer,
        ["aud"] = Audience,
        ["sub"] = subject,
        ["iat"] = now.ToUnixTimeSeconds(),
        ["exp"] = (now + (lifetime ?? TimeSpan.FromMinutes(10))).ToUnixTimeSeconds(),
    };

    public string Es256(JsonObject claims, string? kid = EcKid, ECDsa? key = null) =>
        Sign(Header("ES256", kid), claims.ToJsonString(), input => (key ?? Ec).SignData(input, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));

    public string Rs256(JsonObject claims, string? kid = RsaKid, RSA? key = null) =>
        Sign(Header("RS256", kid), claims.ToJsonString(), input => (key ?? Rsa).SignData(input, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

    public static string Header(string alg, string? kid)
    {
        var header = new JsonObject { ["alg"] = alg, ["typ"] = "JWT" };
        if (kid is not null)
        {
            header["kid"] = kid;
        }

        return header.ToJsonString();
    }

    /// <summary>A compact JWS of the given JSON texts, signed over their encodings as they appear.</summary>
    public static string Sign(string headerJson, string payloadJson, Func<byte[], byte[]> signer)
    {
        string input = Encode(headerJson) + "." + Encode(payloadJson);
        return input + "." + Encode(signer(Encoding.ASCII.GetBytes(input)));
    }

    public void Dispose()
    {
        Ec.Dispose();
        Rsa.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void Add(JsonObject jwk, string? kid, string? alg, string? use)
    {
        if (kid is not null)
        {
            jwk["kid"] = kid;
        }

        if (alg is not null)
        {
            jwk["alg"] = alg;
        }

        if (use is not null)
        {
            jwk["use"] = use;
        }
    }
}
