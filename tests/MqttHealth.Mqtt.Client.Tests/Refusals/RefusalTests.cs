using System.Diagnostics;
using MqttHealth.Broker.Testing;
using MqttHealth.Mqtt.Client.Tests.Infrastructure;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Client.Tests.Refusals;

/// <summary>What the server refuses, and what the client refuses for the server, surfaces as <see cref="MqttClientException"/>.</summary>
public sealed class RefusalTests
{
    [Theory]
    [InlineData(MqttProtocolVersion.V500, "wrong", ReasonCode.NotAuthorized, null)]
    [InlineData(MqttProtocolVersion.V311, "wrong", ReasonCode.NotAuthorized, ConnectReturnCode.NotAuthorized)]
    [InlineData(MqttProtocolVersion.V500, null, ReasonCode.NotAuthorized, null)]
    [InlineData(MqttProtocolVersion.V311, null, ReasonCode.NotAuthorized, ConnectReturnCode.NotAuthorized)]
    public async Task Connect_BadOrMissingCredentials_ThrowsConnectRefusedWithServerCode(
        MqttProtocolVersion version, string? password, ReasonCode expected, ConnectReturnCode? expectedReturnCode)
    {
        // Mosquitto 2.0 answers a failed password check with "not authorized" (0x87 / return code 5), not 0x86 / 4.
        await using MosquittoBroker broker = await StartWithPasswordFileAsync();
        MqttClientOptions options = TestClients.Options(broker.Port, version);
        if (password is not null)
        {
            options.UserName = "alice";
            options.Password = TestClients.Bytes(password);
        }

        await using var client = new MqttClient(options);
        var error = await Assert.ThrowsAsync<MqttClientException>(() => client.ConnectAsync().WaitAsync(TestClients.Timeout));

        Assert.Equal(MqttClientErrorKind.ConnectRefused, error.Kind);
        Assert.Equal(expected, error.ReasonCode);
        Assert.Equal(expectedReturnCode, error.ConnectReturnCode);
        Assert.False(client.IsConnected);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Connect_GoodCredentials_Succeeds(MqttProtocolVersion version)
    {
        await using MosquittoBroker broker = await StartWithPasswordFileAsync();
        MqttClientOptions options = TestClients.Options(broker.Port, version);
        options.UserName = "alice";
        options.Password = TestClients.Bytes("s3cret");
        await using var client = new MqttClient(options);

        MqttClientConnectResult result = await client.ConnectAsync().WaitAsync(TestClients.Timeout);

        Assert.Equal(ReasonCode.Success, result.ReasonCode);
    }

    [Fact]
    public async Task Connect_V311EmptyClientIdWithoutCleanSession_ThrowsIdentifierRejected()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartAsync();
        MqttClientOptions options = TestClients.Options(broker.Port, MqttProtocolVersion.V311, clientId: string.Empty);
        options.CleanStart = false;
        await using var client = new MqttClient(options);

        var error = await Assert.ThrowsAsync<MqttClientException>(() => client.ConnectAsync().WaitAsync(TestClients.Timeout));

        Assert.Equal(MqttClientErrorKind.ConnectRefused, error.Kind);
        Assert.Equal(ConnectReturnCode.IdentifierRejected, error.ConnectReturnCode);
        Assert.Equal(ReasonCode.ClientIdentifierNotValid, error.ReasonCode);
    }

    [Fact]
    public async Task Connect_V5UnsupportedAuthenticationMethod_ThrowsBadAuthenticationMethod()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartAsync();
        MqttClientOptions options = TestClients.Options(broker.Port);
        options.AuthenticationMethod = "SCRAM-SHA-256";
        options.AuthenticationData = TestClients.Bytes("client-first");
        await using var client = new MqttClient(options);

        var error = await Assert.ThrowsAsync<MqttClientException>(() => client.ConnectAsync().WaitAsync(TestClients.Timeout));

        Assert.Equal(MqttClientErrorKind.ConnectRefused, error.Kind);
        Assert.Equal(ReasonCode.BadAuthenticationMethod, error.ReasonCode);
    }

    [Theory]
    [InlineData(QualityOfService.AtLeastOnce)]
    [InlineData(QualityOfService.ExactlyOnce)]
    public async Task Publish_V5DeniedByAcl_ThrowsPublishRefusedNotAuthorized(QualityOfService qos)
    {
        await using MosquittoBroker broker = await StartWithAclAsync();
        await using MqttClient client = await TestClients.ConnectAsync(broker.Port);

        var error = await Assert.ThrowsAsync<MqttClientException>(async () => await client.PublishAsync("denied/x", TestClients.Bytes("x"), qos));
        MqttClientPublishResult allowed = await client.PublishAsync("allowed/x", TestClients.Bytes("x"), qos);

        Assert.Equal(MqttClientErrorKind.PublishRefused, error.Kind);
        Assert.Equal(ReasonCode.NotAuthorized, error.ReasonCode);
        Assert.True(allowed.ReasonCode < ReasonCode.UnspecifiedError);
        Assert.True(client.IsConnected);
        Assert.Equal(0, client.InflightCount);
    }

    [Fact]
    public async Task Publish_LargerThanServerMaximumPacketSize_ThrowsBeforeSending()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartAsync("max_packet_size 1000");
        await using var proxy = new MqttTestProxy(broker.Port);
        await using MqttClient client = await TestClients.ConnectAsync(TestClients.Options(proxy.Port));
        Assert.Equal(1000u, client.LastConnectResult!.MaximumPacketSize);

        var error = await Assert.ThrowsAsync<MqttClientException>(async () =>
            await client.PublishAsync("big/x", new byte[2000], QualityOfService.AtLeastOnce));
        MqttClientPublishResult small = await client.PublishAsync("big/x", new byte[100], QualityOfService.AtLeastOnce);

        Assert.Equal(MqttClientErrorKind.LimitExceeded, error.Kind);
        Assert.Equal(ReasonCode.PacketTooLarge, error.ReasonCode);
        Assert.Contains("Maximum Packet Size", error.Message, StringComparison.Ordinal);
        Assert.Single(proxy.Packets, p => p.Type == MqttPacketType.Publish);
        Assert.True(small.ReasonCode < ReasonCode.UnspecifiedError);
    }

    [Fact]
    public async Task Publish_AboveServerMaximumQoSOrRetainUnavailable_ThrowsBeforeSending()
    {
        await using MosquittoBroker broker = await MosquittoBroker.StartAsync("max_qos 1\nretain_available false");
        await using MqttClient client = await TestClients.ConnectAsync(broker.Port);
        Assert.Equal(QualityOfService.AtLeastOnce, client.LastConnectResult!.MaximumQoS);
        Assert.False(client.LastConnectResult.RetainAvailable);

        var qos = await Assert.ThrowsAsync<MqttClientException>(async () => await client.PublishAsync("a/b", TestClients.Bytes("x"), QualityOfService.ExactlyOnce));
        var retain = await Assert.ThrowsAsync<MqttClientException>(async () => await client.PublishAsync("a/b", TestClients.Bytes("x"), retain: true));

        Assert.Equal((MqttClientErrorKind.LimitExceeded, ReasonCode.QoSNotSupported), (qos.Kind, qos.ReasonCode));
        Assert.Equal((MqttClientErrorKind.LimitExceeded, ReasonCode.RetainNotSupported), (retain.Kind, retain.ReasonCode));
        await client.PublishAsync("a/b", TestClients.Bytes("x"), QualityOfService.AtLeastOnce);
    }

    [Fact]
    public async Task ServerDisconnect_V5_ReportsReasonAndFailsPendingOperations()
    {
        // Mosquitto 2.0.11 closes a taken-over or shut-down connection without DISCONNECT, but answers a protocol
        // violation with one: the proxy turns a QoS 1 PUBLISH into QoS 2, above the broker's max_qos 1.
        await using MosquittoBroker broker = await MosquittoBroker.StartAsync("max_qos 1");
        await using var proxy = new MqttTestProxy(broker.Port);
        proxy.Filter = p =>
        {
            if (p.Type == MqttPacketType.Publish && p.Direction == ProxyDirection.ClientToServer)
            {
                byte[] bytes = (byte[])p.Bytes.Clone();
                bytes[0] = (byte)((bytes[0] & 0xF9) | 0x04);
                p.Replacement = bytes;
            }

            // The SUBACK is held back so that a subscribe is pending too.
            return p.Type == MqttPacketType.SubAck ? ProxyAction.Drop : ProxyAction.Forward;
        };
        await using MqttClient client = await TestClients.ConnectAsync(TestClients.Options(proxy.Port));
        Task<MqttClientSubscribeResult> subscribe = client.SubscribeAsync("a/#");
        await proxy.WaitForPacketAsync(p => p.Type == MqttPacketType.SubAck, TestClients.Timeout);

        Task<MqttClientPublishResult> pending = client.PublishAsync("a/b", TestClients.Bytes("x"), QualityOfService.AtLeastOnce).AsTask();
        MqttClientDisconnectedEventArgs info = await client.Disconnection.WaitAsync(TestClients.Timeout);
        var error = await Assert.ThrowsAsync<MqttClientException>(() => pending.WaitAsync(TestClients.Timeout));

        Assert.Equal(MqttClientErrorKind.ServerDisconnected, info.Kind);
        Assert.Equal(ReasonCode.QoSNotSupported, info.ReasonCode);
        Assert.Equal(MqttClientErrorKind.ServerDisconnected, error.Kind);
        Assert.Equal(ReasonCode.QoSNotSupported, error.ReasonCode);
        var subscribeError = await Assert.ThrowsAsync<MqttClientException>(() => subscribe.WaitAsync(TestClients.Timeout));
        Assert.Equal((MqttClientErrorKind.ServerDisconnected, ReasonCode.QoSNotSupported), (subscribeError.Kind, subscribeError.ReasonCode));
        Assert.False(client.IsConnected);
    }

    private static Task<MosquittoBroker> StartWithPasswordFileAsync() =>
        MosquittoBroker.StartAsync(
            "allow_anonymous false\npassword_file %DIR%/passwords",
            dir => RunPasswd(dir));

    private static Task<MosquittoBroker> StartWithAclAsync() =>
        MosquittoBroker.StartAsync(
            "acl_file %DIR%/acl",
            dir => File.WriteAllText(Path.Combine(dir, "acl"), "topic readwrite allowed/#\n"));

    private static void RunPasswd(string dir)
    {
        string file = Path.Combine(dir, "passwords");
        using Process process = Process.Start(new ProcessStartInfo(FindPasswd(), ["-b", "-c", file, "alice", "s3cret"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        if (!process.WaitForExit(10_000) || process.ExitCode != 0)
        {
            throw new InvalidOperationException($"mosquitto_passwd failed: {process.StandardError.ReadToEnd()}");
        }
    }

    private static string FindPasswd() =>
        new[] { "/usr/bin/mosquitto_passwd", "/usr/local/bin/mosquitto_passwd" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("mosquitto_passwd is not installed: apt-get install mosquitto");
}
