using System.Diagnostics;
using System.Text;
using MqttHealth.Broker.Hosting;
using MqttHealth.Broker.Testing;
using MqttHealth.Broker.Tests.Infrastructure;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Tests.Security.Authentication.Tokens;

/// <summary>The real executable with Broker:Security:Jwt: the key set checked at start, and mosquitto_pub passing a token as -P.</summary>
public sealed class JwtProcessTests : IDisposable
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);
    private readonly TestTokenIssuer _issuer = new();

    public void Dispose() => _issuer.Dispose();

    [Fact]
    public async Task Start_BadJwksFile_ExitCode2NamingTheFileAndTheProblem()
    {
        _issuer.WriteRaw("{\"keys\": []}");
        await using BrokerProcess broker = Launch(JwtArguments());

        Assert.Equal(BrokerExitCodes.BadConfiguration, await broker.WaitForExitAsync(ExitTimeout));
        Assert.Contains(broker.Output.Lines, l => l.Contains(_issuer.JwksPath, StringComparison.Ordinal) && l.Contains("no usable signing key", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_JwksFileWithoutIssuer_ExitCode2()
    {
        await using BrokerProcess broker = Launch(["--Broker:Security:Jwt:JwksFile", _issuer.JwksPath, "--Broker:Security:Jwt:Audience", TestTokenIssuer.Audience]);

        Assert.Equal(BrokerExitCodes.BadConfiguration, await broker.WaitForExitAsync(ExitTimeout));
        Assert.Contains(broker.Output.Lines, l => l.Contains("Broker:Security:Jwt:Issuer and Broker:Security:Jwt:Audience are required", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("mqttv311")]
    [InlineData("mqttv5")]
    public async Task MosquittoPub_TokenAsPassword_Delivered(string protocol)
    {
        await using BrokerProcess broker = await BrokerProcess.StartAsync(new BrokerProcessOptions
        {
            AllowAnonymous = false,
            InMemoryStorage = true,
            TlsAndWebSocket = false,
            ExtraArguments = JwtArguments(),
        });
        string token = _issuer.Es256(TestTokenIssuer.Claims(DateTimeOffset.UtcNow));
        var subscribe = RawMqttConnection.Connect("jwt-sub");
        subscribe.Properties = new MqttProperties { AuthenticationMethod = "JWT", AuthenticationData = Encoding.ASCII.GetBytes(token) };
        await using var subscriber = await RawMqttConnection.ConnectedAsync(broker.Ports.Mqtt, subscribe);
        await subscriber.SubscribeAsync("mh/v1/f1/u1/dev42/vitals", QualityOfService.AtLeastOnce);

        (int exitCode, string output) = await RunAsync("mosquitto_pub", "-h", "127.0.0.1", "-p", broker.Ports.Mqtt.ToString(System.Globalization.CultureInfo.InvariantCulture), "-V", protocol,
            "-i", "jwt-pub", "-u", "ignored", "-P", token, "-q", "1", "-t", "mh/v1/f1/u1/dev42/vitals", "-m", "ciphertext");

        Assert.True(exitCode == 0, output);
        Assert.Equal("ciphertext", Encoding.UTF8.GetString((await subscriber.ExpectPublishAsync()).Payload.Span));
        (int refused, _) = await RunAsync("mosquitto_pub", "-h", "127.0.0.1", "-p", broker.Ports.Mqtt.ToString(System.Globalization.CultureInfo.InvariantCulture), "-V", protocol,
            "-i", "jwt-bad", "-u", "ignored", "-P", token[..^4] + "AAAA", "-t", "mh/v1/f1/u1/dev42/vitals", "-m", "x");
        Assert.NotEqual(0, refused);
    }

    private string[] JwtArguments() =>
    [
        "--Broker:Security:Jwt:JwksFile", _issuer.JwksPath,
        "--Broker:Security:Jwt:Issuer", TestTokenIssuer.Issuer,
        "--Broker:Security:Jwt:Audience", TestTokenIssuer.Audience,
    ];

    private static BrokerProcess Launch(string[] arguments) => BrokerProcess.Launch(new BrokerProcessOptions
    {
        AllowAnonymous = false,
        InMemoryStorage = true,
        TlsAndWebSocket = false,
        ExtraArguments = arguments,
    });

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(ExitTimeout);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
