using System.Text.Json;
using MqttHealth.EdgeAgent.Outbox;
using MqttHealth.Payloads.Sdk;

namespace MqttHealth.EdgeAgent.Status;

/// <summary>
/// The status document (JSON; counts and times only, no readings, no patient references): what
/// <c>mqtthealth-agent status</c> prints, <c>GET /v1/status</c> answers and the status stream publishes.
/// docs/edge-agent.md describes every member.
/// </summary>
public static class StatusReport
{
    public static byte[] Build(string agent, DateTimeOffset now, LinkInfo link, QueueSnapshot queue, IReadOnlyDictionary<string, long> counters, long diskBudget, TimeSpan window)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false }))
        {
            w.WriteStartObject();
            w.WriteString("agent", agent);
            w.WriteString("time", Time(now));
            w.WriteStartObject("link");
            w.WriteString("state", link.State.ToString().ToLowerInvariant());
            w.WriteString("since", Time(link.Since));
            WriteTimeOrNull(w, "lastAck", link.LastAck);
            if (link.LastError is null)
            {
                w.WriteNull("lastError");
            }
            else
            {
                w.WriteString("lastError", link.LastError);
            }

            w.WriteNumber("connects", link.Connects);
            w.WriteEndObject();

            w.WriteStartObject("queue");
            WriteMap(w, "messages", queue.Messages);
            WriteMap(w, "readings", queue.Readings);
            w.WriteNumber("pendingReadings", queue.PendingReadings);
            WriteTimeOrNull(w, "oldestUnsent", queue.OldestUnsentMs is { } o ? DateTimeOffset.FromUnixTimeMilliseconds(o) : null);
            w.WriteNumber("oldestUnsentAgeSeconds", queue.OldestUnsentMs is { } ms ? Math.Max(0, (now.ToUnixTimeMilliseconds() - ms) / 1000) : 0);
            w.WriteNumber("bytesUsed", queue.BytesUsed);
            w.WriteNumber("diskBudgetBytes", diskBudget);
            w.WriteEndObject();

            long sentReadings = Get(counters, AgentStatus.SentReadings);
            long sentBytes = Get(counters, AgentStatus.SentBytes);
            w.WriteStartObject("sent");
            w.WriteNumber("messages", Get(counters, AgentStatus.SentMessages));
            w.WriteNumber("readings", sentReadings);
            w.WriteNumber("bytes", sentBytes);
            w.WriteNumber("bytesPerReading", sentReadings == 0 ? 0 : Math.Round((double)sentBytes / sentReadings, 1));
            w.WriteEndObject();

            w.WriteNumber("accepted", Get(counters, AgentStatus.AcceptedReadings));
            WriteGroup(w, "rejected", counters, "rejected.");
            WriteGroup(w, "dropped", counters, "dropped.");
            w.WriteNumber("batchWindowMs", (long)window.TotalMilliseconds);
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static long Get(IReadOnlyDictionary<string, long> counters, string key) => counters.TryGetValue(key, out long value) ? value : 0;

    private static string Time(DateTimeOffset time) => ClinicalJson.FormatTime((ulong)time.ToUnixTimeMilliseconds());

    private static void WriteTimeOrNull(Utf8JsonWriter w, string name, DateTimeOffset? time)
    {
        if (time is { } t)
        {
            w.WriteString(name, Time(t));
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static void WriteMap(Utf8JsonWriter w, string name, IReadOnlyDictionary<string, long> values)
    {
        w.WriteStartObject(name);
        foreach ((string key, long value) in values)
        {
            w.WriteNumber(key, value);
        }

        w.WriteEndObject();
    }

    /// <summary>Counters under a prefix as an object, dotted names kept: <c>"dropped":{"diskbudget.vitals.readings":120}</c>.</summary>
    private static void WriteGroup(Utf8JsonWriter w, string name, IReadOnlyDictionary<string, long> counters, string prefix)
    {
        w.WriteStartObject(name);
        foreach ((string key, long value) in counters.Where(c => c.Key.StartsWith(prefix, StringComparison.Ordinal)).OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            w.WriteNumber(key[prefix.Length..], value);
        }

        w.WriteEndObject();
    }
}
