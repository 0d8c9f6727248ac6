using System.Text.Json;
using MqttHealth.Broker.Hosting;
using MqttHealth.Broker.Testing;
using MqttHealth.Broker.Tests.Infrastructure;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Tests.Audit;

/// <summary>
/// The real broker writes the security events of its connections into audit.db, and the <c>audit verify</c> and
/// <c>audit export</c> verbs of the real executable read them back: verified, in order, without the password.
/// </summary>
public sealed class AuditTrailProcessTests
{
    [Fact]
    public async Task Broker_RecordsAuthenticationConnectAndDisconnect_VerifyPassesAndExportHasNoSecret()
    {
        await using BrokerProcess broker = await BrokerCli.StartWithUserAsync("alice", "s3cret-pass", "nurse");
        int port = broker.Ports.Mqtt;

        await using (var alice = await RawMqttConnection.ConnectedAsync(port, RawMqttConnection.ConnectWithPassword("station-1", "alice", "s3cret-pass")))
        {
            await alice.SendAsync(new DisconnectPacket { ReasonCode = ReasonCode.NormalDisconnection });
            await alice.ExpectClosedAsync();
        }

        await using (var intruder = await RawMqttConnection.OpenAsync(port, MqttProtocolVersion.V500))
        {
            ConnAckPacket refused = await intruder.ConnectAsync(RawMqttConnection.ConnectWithPassword("station-2", "alice", "guess"));
            Assert.Equal(ReasonCode.BadUserNameOrPassword, refused.ReasonCode);
            await intruder.ExpectClosedAsync();
        }

        // A graceful stop commits what is queued and writes the final checkpoint.
        Assert.Equal(BrokerExitCodes.Ok, await broker.StopAsync());

        (int verifyCode, string verifyOutput) = BrokerCli.Run(string.Empty, ["audit", "verify", "--data", broker.DataDirectory]);
        Assert.True(verifyCode == 0, verifyOutput);

        (int exportCode, string export) = BrokerCli.Run(string.Empty, ["audit", "export", "--data", broker.DataDirectory]);
        Assert.True(exportCode == 0, export);
        Assert.DoesNotContain("s3cret-pass", export, StringComparison.Ordinal);
        Assert.DoesNotContain("guess", export, StringComparison.Ordinal);
        var records = export.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Select(e => (Kind: e.GetProperty("kind").GetString(), Principal: e.GetProperty("principal").GetString(), ClientId: e.GetProperty("clientId").GetString()))
            .ToList();

        // Per connection in order; the two connections' records may interleave (a disconnect is recorded once the
        // broker has finished with the connection, which can be after the next client's CONNECT).
        Assert.Equal(
            [("AuthenticationSucceeded", "alice"), ("Connect", "alice"), ("Disconnect", "alice")],
            records.Where(r => r.ClientId == "station-1").Select(r => (r.Kind, r.Principal)));
        Assert.Equal([("AuthenticationFailed", "alice")], records.Where(r => r.ClientId == "station-2").Select(r => (r.Kind, r.Principal)));
        // The user was added with the users command before the broker started: that change is on the record too, by the OS account.
        var userChange = Assert.Single(records, r => r.Kind == "UserChanged");
        Assert.StartsWith("os:", userChange.Principal, StringComparison.Ordinal);
        Assert.Equal(5, records.Count);
    }
}
