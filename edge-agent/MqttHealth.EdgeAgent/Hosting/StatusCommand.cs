using System.Text.Json;
using Microsoft.Data.Sqlite;
using MqttHealth.EdgeAgent.Options;
using MqttHealth.EdgeAgent.Outbox;
using MqttHealth.EdgeAgent.Status;

namespace MqttHealth.EdgeAgent.Hosting;

/// <summary>
/// <c>mqtthealth-agent status [--config FILE] [--data DIR]</c>: the status from the agent's database, running or not.
/// The queue and the counters are read now; the link state is the one the agent last saved (<c>link.savedAt</c> says when).
/// </summary>
public static class StatusCommand
{
    public static int Run(AgentOptions options, TextWriter output, TextWriter error)
    {
        string path = Path.Combine(options.DataDirectory, OutboxStore.FileName);
        if (!File.Exists(path))
        {
            error.WriteLine($"{AgentProgram.Name} status: no agent database at {Path.GetFullPath(path)} (Agent:DataDirectory, --data)");
            return AgentExitCodes.Failure;
        }

        try
        {
            using SqliteConnection connection = OutboxStore.OpenConnection(path, readOnly: true);
            QueueSnapshot queue = OutboxStore.QuerySnapshot(connection);
            Dictionary<string, long> counters = OutboxStore.ReadCounters(connection);
            var link = new LinkInfo(LinkState.Stopped, DateTimeOffset.UnixEpoch, null, "the agent has not saved a status yet", 0);
            string agent = Uplink.UplinkService.ClientId(options);
            TimeSpan window = TimeSpan.Zero;
            if (OutboxStore.LoadState(connection, StatusService.LinkStateKey) is { } saved)
            {
                using JsonDocument document = JsonDocument.Parse(saved);
                JsonElement root = document.RootElement;
                link = new LinkInfo(
                    Enum.Parse<LinkState>(root.GetProperty("state").GetString()!, ignoreCase: true),
                    DateTimeOffset.FromUnixTimeMilliseconds(root.GetProperty("since").GetInt64()),
                    root.GetProperty("lastAck").ValueKind == JsonValueKind.Number ? DateTimeOffset.FromUnixTimeMilliseconds(root.GetProperty("lastAck").GetInt64()) : null,
                    root.GetProperty("lastError").GetString(),
                    root.GetProperty("connects").GetInt64());
                window = TimeSpan.FromMilliseconds(root.GetProperty("windowMs").GetInt64());
                agent = root.GetProperty("agent").GetString() ?? agent;
            }

            byte[] report = StatusReport.Build(agent, DateTimeOffset.UtcNow, link, queue, counters, options.Outbox.DiskBudgetBytes, window);
            output.WriteLine(System.Text.Encoding.UTF8.GetString(report));
            return AgentExitCodes.Ok;
        }
        catch (Exception ex) when (ex is SqliteException or JsonException or KeyNotFoundException or InvalidOperationException or ArgumentException)
        {
            error.WriteLine($"{AgentProgram.Name} status: cannot read {path}: {ex.Message}");
            return AgentExitCodes.Failure;
        }
    }
}
