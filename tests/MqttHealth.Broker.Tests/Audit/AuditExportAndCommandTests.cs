using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MqttHealth.Broker.Audit;

namespace MqttHealth.Broker.Tests.Audit;

public sealed class AuditExportAndCommandTests : IDisposable
{
    private static readonly byte[] Payload = Encoding.UTF8.GetBytes("SECRET-VITALS hr=72 spo2=98");
    private readonly AuditTestLog _log = new();

    public void Dispose() => _log.Dispose();

    [Fact]
    public async Task Export_Records_OneJsonObjectPerRecordWithHashButNoPayloadContent()
    {
        await WriteWithPayloadsAsync(6);
        var output = new StringWriter();

        var count = AuditExporter.Export(_log.Directory, output);

        var text = output.ToString();
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(6, count);
        Assert.Equal(6, lines.Length);
        Assert.DoesNotContain("SECRET", text, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(Payload), text, StringComparison.Ordinal);
        for (var i = 0; i < lines.Length; i++)
        {
            using var json = JsonDocument.Parse(lines[i]);
            var root = json.RootElement;
            Assert.Equal(JsonValueKind.Object, root.ValueKind);
            Assert.Equal(i + 1, root.GetProperty("sequence").GetInt64());
            Assert.Equal($"client-{i + 1:D3}", root.GetProperty("clientId").GetString());
            Assert.Equal(Payload.Length, root.GetProperty("payloadSize").GetInt64());
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Payload)), root.GetProperty("payloadSha256").GetString());
            Assert.Equal(64, root.GetProperty("leafHash").GetString()!.Length);
            Assert.EndsWith("Z", root.GetProperty("time").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Run_ExportSince_OnlyLaterRecords()
    {
        await WriteWithPayloadsAsync(6);
        var output = new StringWriter();

        var exit = AuditCommand.Run(_log.Directory, ["export", "--since", AuditTestLog.Start.AddSeconds(4).ToString("O")], output, new StringWriter());

        Assert.Equal(0, exit);
        Assert.Equal(3, output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task Run_VerifyIntact_ExitsZero()
    {
        await _log.WriteAsync(3);
        var output = new StringWriter();

        Assert.Equal(0, AuditCommand.Run(_log.Directory, ["verify"], output, new StringWriter()));
        Assert.Contains("ok", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_VerifyTampered_ExitsOneNamingRecord()
    {
        await _log.WriteAsync(6);
        _log.EditClientId(2, "client-xyz");
        var error = new StringWriter();

        Assert.Equal(1, AuditCommand.Run(_log.Directory, ["verify"], new StringWriter(), error));
        Assert.Contains("record 2", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Run_VerifyNoAuditLog_ExitsOne()
    {
        Assert.Equal(1, AuditCommand.Run(_log.Directory, ["verify"], new StringWriter(), new StringWriter()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("check")]
    [InlineData("verify now")]
    [InlineData("export --since")]
    [InlineData("export --since yesterday-ish")]
    public void Run_BadArguments_ExitsTwoWithUsage(string commandLine)
    {
        var error = new StringWriter();
        var args = commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(2, AuditCommand.Run(_log.Directory, args, new StringWriter(), error));
        Assert.Contains("usage:", error.ToString(), StringComparison.Ordinal);
    }

    private async Task WriteWithPayloadsAsync(int count)
    {
        await using var log = _log.Open();
        for (var n = 1; n <= count; n++)
        {
            await log.AppendAsync(AuditPayload.Describe(AuditTestLog.Record(n), Payload));
        }
    }
}
