using System.Globalization;
using System.Text.Json;
using MqttHealth.Broker.Testing;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Interop.Tests.Infrastructure;

/// <summary>
/// Paho Python (python/paho_client.py) or MQTT.js (js/mqttjs_client.js): both scripts take the same command
/// line and print the same JSON lines, so one adapter drives both.
/// </summary>
public sealed class ScriptClient : IInteropClient
{
    private readonly Func<string> _executable;
    private readonly string _script;
    private readonly Func<string> _workingDirectory;

    private ScriptClient(string name, Func<string> executable, string script, Func<string> workingDirectory, bool resolvesInboundTopicAliases)
    {
        Name = name;
        ResolvesInboundTopicAliases = resolvesInboundTopicAliases;
        _executable = executable;
        _script = script;
        _workingDirectory = workingDirectory;
    }

    /// <summary>Eclipse Paho Python 1.6.1 (Debian python3-paho-mqtt); it has no table for inbound topic aliases.</summary>
    public static ScriptClient Paho { get; } =
        new("paho", () => InteropTools.Python, "paho_client.py", () => InteropTools.PythonDirectory, resolvesInboundTopicAliases: false);

    /// <summary>MQTT.js 5.16.0 on node (js/package.json).</summary>
    public static ScriptClient MqttJs { get; } =
        new("mqttjs", () => InteropTools.Node, "mqttjs_client.js", () => InteropTools.JsDirectory, resolvesInboundTopicAliases: true);

    public string Name { get; }

    /// <summary>Both speak 3.1.1 and 5.0 over TCP, TLS and WebSocket.</summary>
    public bool Supports(MqttProtocolVersion version, ClientTransport transport) => true;

    public bool ResolvesInboundTopicAliases { get; }

    public async Task<InteropSubscriber> StartSubscriberAsync(BrokerProcess broker, SubscribeRequest request)
    {
        List<string> arguments = CommonArguments("sub", broker, request.Connection);
        foreach (string filter in request.TopicFilters)
        {
            arguments.AddRange(["--topic", filter]);
        }

        arguments.AddRange(["--qos", Text(request.QoS), "--count", Text(request.ExpectedCount)]);
        if (!request.Subscribe)
        {
            arguments.Add("--no-subscribe");
        }

        if (request.ExitAfterSubscribe)
        {
            arguments.Add("--exit-after-subscribe");
        }

        if (request.TopicAliasMaximum is { } aliasMaximum)
        {
            if (!ResolvesInboundTopicAliases)
            {
                throw new NotSupportedException($"{Name} cannot resolve topic aliases sent by the broker.");
            }

            arguments.AddRange(["--topic-alias-maximum", Text(aliasMaximum)]);
        }

        var subscriber = new InteropSubscriber(Name);
        subscriber.Start(_executable(), arguments, _workingDirectory(), OnSubscriberLine);
        try
        {
            await subscriber.WaitUntilReadyAsync(request.Subscribe, InteropTimeouts.Test);
        }
        catch
        {
            await subscriber.DisposeAsync();
            throw;
        }

        return subscriber;
    }

    public Task<ClientProcess> PublishAsync(BrokerProcess broker, PublishRequest request)
    {
        List<string> arguments = CommonArguments("pub", broker, request.Connection);
        arguments.AddRange(["--topic", request.Topic, "--qos", Text(request.QoS)]);
        if (request.Payloads.Count == 0)
        {
            arguments.Add("--empty");
        }

        foreach (string payload in request.Payloads)
        {
            arguments.AddRange(["--payload", payload]);
        }

        if (request.Retain)
        {
            arguments.Add("--retain");
        }

        if (request.TopicAlias is { } alias)
        {
            arguments.AddRange(["--topic-alias", Text(alias)]);
        }

        if (request.WillTopic is not null)
        {
            arguments.AddRange(["--will-topic", request.WillTopic, "--will-payload", request.WillPayload, "--will-qos", "1"]);
        }

        return ClientProcess.RunAsync(_executable(), arguments, InteropTimeouts.Test, _workingDirectory());
    }

    public async Task<ClientProcess> StartWillClientAsync(BrokerProcess broker, WillRequest request)
    {
        List<string> arguments = CommonArguments("will", broker, request.Connection);
        arguments.AddRange(["--will-topic", request.WillTopic, "--will-payload", request.WillPayload, "--will-qos", Text(request.WillQoS)]);
        if (request.WillRetain)
        {
            arguments.Add("--will-retain");
        }

        if (request.DisconnectNormally)
        {
            arguments.Add("--disconnect");
            return await ClientProcess.RunAsync(_executable(), arguments, InteropTimeouts.Test, _workingDirectory());
        }

        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ClientProcess client = ClientProcess.Start(
            _executable(),
            arguments,
            line =>
            {
                if (TryParse(line) is { } json && Event(json) == "connected")
                {
                    connected.TrySetResult();
                }
            },
            _workingDirectory());
        try
        {
            await client.WaitForSignalAsync(connected.Task, "CONNACK", InteropTimeouts.Test);
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }

        return client;
    }

    /// <summary>The JSON objects a finished client printed (e.g. the publisher's "connected" line).</summary>
    public static IReadOnlyList<JsonElement> Events(ClientProcess client) =>
        client.StandardOutputLines.Select(TryParse).OfType<JsonElement>().ToArray();

    private static void OnSubscriberLine(InteropSubscriber subscriber, string line)
    {
        if (TryParse(line) is not { } json)
        {
            return;
        }

        switch (Event(json))
        {
            case "connected":
                subscriber.OnConnected(json.GetProperty("session_present").GetBoolean());
                break;
            case "subscribed":
                subscriber.OnSubscribed(json.GetProperty("granted").EnumerateArray().Select(e => e.GetInt32()).ToArray());
                break;
            case "message":
                subscriber.OnMessage(new ReceivedMessage(
                    json.GetProperty("topic").GetString()!,
                    json.GetProperty("payload").GetString()!,
                    json.GetProperty("qos").GetInt32(),
                    json.GetProperty("retain").GetBoolean()));
                break;
        }
    }

    private static string? Event(JsonElement json) =>
        json.TryGetProperty("event", out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static JsonElement? TryParse(string line)
    {
        if (!line.StartsWith('{'))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private List<string> CommonArguments(string command, BrokerProcess broker, ClientConnection connection)
    {
        var arguments = new List<string> { _script, command, "--host", "127.0.0.1" };
        switch (connection.Transport)
        {
            case ClientTransport.Tcp:
                arguments.AddRange(["--port", Text(broker.Ports.Mqtt), "--transport", "tcp"]);
                break;
            case ClientTransport.Tls:
                arguments.AddRange(["--port", Text(broker.Ports.Tls), "--transport", "tls", "--cafile", broker.DevelopmentCertificatePath]);
                break;
            case ClientTransport.WebSocket:
                arguments.AddRange(["--port", Text(broker.Ports.WebSocket), "--transport", "ws"]);
                break;
        }

        arguments.AddRange([
            "--version", connection.Version == MqttProtocolVersion.V500 ? "5" : "311",
            "--client-id", connection.ClientId,
            "--clean", connection.CleanStart ? "1" : "0",
            "--timeout", Text((int)InteropTimeouts.Client.TotalSeconds),
        ]);
        if (connection.SessionExpirySeconds is { } expiry && connection.Version == MqttProtocolVersion.V500)
        {
            arguments.AddRange(["--session-expiry", Text(expiry)]);
        }

        return arguments;
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
