using System.Text;
using MqttHealth.Broker.Testing;

namespace MqttHealth.Broker.Interop.Tests.Infrastructure;

/// <summary>Context for failure messages: what the other clients printed and what the broker logged about them.</summary>
public static class InteropDiagnostics
{
    /// <summary>
    /// The clients' outputs, then the broker's log lines that mention any of <paramref name="clientIds"/>
    /// (a fixture's broker serves many tests; only this test's lines are shown).
    /// </summary>
    public static string Describe(BrokerProcess broker, IReadOnlyList<string> clientIds, params ClientProcess[] clients)
    {
        var text = new StringBuilder();
        foreach (ClientProcess client in clients)
        {
            text.AppendLine().AppendLine("=== other client ===").Append(client.Describe());
        }

        text.AppendLine().AppendLine("=== broker log lines for " + string.Join(", ", clientIds) + " ===");
        foreach (string line in broker.Output.Lines.Where(l => clientIds.Any(id => l.Contains(id, StringComparison.Ordinal))))
        {
            text.AppendLine(line);
        }

        return text.ToString();
    }
}
