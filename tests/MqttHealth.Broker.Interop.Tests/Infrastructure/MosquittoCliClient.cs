using System.Globalization;
using System.Text.Json;
using MqttHealth.Broker.Testing;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Broker.Interop.Tests.Infrastructure;

/// <summary>
/// mosquitto_pub and mosquitto_sub 2.0 (Debian mosquitto-clients). mosquitto_sub runs with <c>-d</c> (debug
/// lines tell when CONNACK and SUBACK arrived) and <c>-F %j</c> (each message as one JSON object); several
/// payloads go through one mosquitto_pub connection with <c>-l</c> (one message per stdin line). mosquitto_sub
/// runs under <c>stdbuf -oL</c> so that each line reaches the test when it is printed.
/// libmosquitto has no WebSocket client, so WebSocket is not supported.
/// </summary>
public sealed class MosquittoCliClient : IInteropClient
{
    private MosquittoCliClient()
    {
    }

    public static MosquittoCliClient Instance { get; } = new();

    public string Name => "mosquitto";

    public bool Supports(MqttProtocolVersion version, ClientTransport transport) => transport != ClientTransport.WebSocket;

    /// <summary>
    /// No: with <c>-D connect topic-alias-maximum 10</c>, libmosquitto 2.0.11 accepts the PUBLISH that sets an
    /// alias but fails with "A network protocol error" on the next one that uses it (checked against a scripted
    /// server sending a valid topic+alias, then alias-only, sequence).
    /// </summary>
    public bool ResolvesInboundTopicAliases => false;

    public async Task<InteropSubscriber> StartSubscriberAsync(BrokerProcess broker, SubscribeRequest request)
    {
        List<string> arguments = CommonArguments(broker, request.Connection);
        arguments.AddRange(["-F", "%j", "-q", Text(request.QoS), "-W", Text((int)InteropTimeouts.Client.TotalSeconds)]);

        // mosquitto_sub always subscribes; to resume a session without touching its subscriptions it
        // subscribes to a filter that matches nothing the tests publish.
        IEnumerable<string> filters = request.Subscribe ? request.TopicFilters : [$"interop/never/{Guid.NewGuid():N}"];
        foreach (string filter in filters)
        {
            arguments.AddRange(["-t", filter]);
        }

        if (request.ExpectedCount > 0)
        {
            arguments.AddRange(["-C", Text(request.ExpectedCount)]);
        }

        if (request.ExitAfterSubscribe)
        {
            arguments.Add("-E");
        }

        if (request.TopicAliasMaximum is { } aliasMaximum)
        {
            arguments.AddRange(["-D", "connect", "topic-alias-maximum", Text(aliasMaximum)]);
        }

        var subscriber = new InteropSubscriber(Name);
        subscriber.Start(InteropTools.Stdbuf, LineBuffered(InteropTools.MosquittoSub, arguments), null, OnSubscriberLine);
        try
        {
            // A resumed session's queued messages can arrive (and end a -C run) before the stand-in SUBACK:
            // then CONNACK is the readiness signal.
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
        List<string> arguments = CommonArguments(broker, request.Connection);
        arguments.AddRange(["-t", request.Topic, "-q", Text(request.QoS)]);
        if (request.Retain)
        {
            arguments.Add("-r");
        }

        if (request.TopicAlias is { } alias)
        {
            // mosquitto_pub sends the topic with the alias on the first PUBLISH and the alias alone afterwards.
            arguments.AddRange(["-D", "publish", "topic-alias", Text(alias)]);
        }

        if (request.WillTopic is not null)
        {
            arguments.AddRange(["--will-topic", request.WillTopic, "--will-payload", request.WillPayload, "--will-qos", "1"]);
        }

        string? standardInput = null;
        if (request.Payloads.Count == 0)
        {
            arguments.Add("-n");
        }
        else if (request.Payloads.Count == 1)
        {
            arguments.AddRange(["-m", request.Payloads[0]]);
        }
        else
        {
            if (request.Payloads.Any(p => p.Length == 0 || p.Contains('\n', StringComparison.Ordinal)))
            {
                throw new ArgumentException("mosquitto_pub -l sends one non-empty line per message.", nameof(request));
            }

            arguments.Add("-l");
            standardInput = string.Join('\n', request.Payloads) + "\n";
        }

        return ClientProcess.RunAsync(InteropTools.MosquittoPub, arguments, InteropTimeouts.Test, null, standardInput);
    }

    public async Task<ClientProcess> StartWillClientAsync(BrokerProcess broker, WillRequest request)
    {
        // A mosquitto_sub holding the Will; SUBACK on a filter nobody uses says it is connected.
        List<string> arguments = CommonArguments(broker, request.Connection);
        arguments.AddRange([
            "-t", $"interop/never/{Guid.NewGuid():N}",
            "--will-topic", request.WillTopic,
            "--will-payload", request.WillPayload,
            "--will-qos", Text(request.WillQoS),
            "-W", Text((int)InteropTimeouts.Client.TotalSeconds),
        ]);
        if (request.WillRetain)
        {
            arguments.Add("--will-retain");
        }

        if (request.DisconnectNormally)
        {
            // -E: DISCONNECT once the subscription is acknowledged.
            arguments.Add("-E");
            return await ClientProcess.RunAsync(InteropTools.MosquittoSub, arguments, InteropTimeouts.Test);
        }

        var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ClientProcess client = ClientProcess.Start(
            InteropTools.Stdbuf,
            LineBuffered(InteropTools.MosquittoSub, arguments),
            line =>
            {
                if (line.Contains(" received SUBACK", StringComparison.Ordinal))
                {
                    subscribed.TrySetResult();
                }
            });
        try
        {
            await client.WaitForSignalAsync(subscribed.Task, "SUBACK", InteropTimeouts.Test);
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }

        return client;
    }

    /// <summary>
    /// mosquitto_sub prints through stdio, which buffers a pipe in blocks: the SUBACK line would arrive only at
    /// exit. stdbuf (coreutils) makes stdout line-buffered and then execs the program, so killing the process
    /// kills mosquitto_sub itself.
    /// </summary>
    private static List<string> LineBuffered(string program, List<string> arguments) => ["-oL", program, .. arguments];

    private static void OnSubscriberLine(InteropSubscriber subscriber, string line)
    {
        // Debug lines (-d): "Client <id> received CONNACK (0)", "Subscribed (mid: 1): 1, 1".
        if (line.StartsWith("Client ", StringComparison.Ordinal) && line.Contains(" received CONNACK", StringComparison.Ordinal))
        {
            subscriber.OnConnected(null);
        }
        else if (line.StartsWith("Subscribed (mid: ", StringComparison.Ordinal))
        {
            string codes = line[(line.IndexOf("):", StringComparison.Ordinal) + 2)..];
            subscriber.OnSubscribed(codes.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray());
        }
        else if (line.StartsWith('{'))
        {
            // -F %j: {"tst":...,"topic":"t","qos":1,"retain":0,"payloadlen":1,"mid":1,"payload":"x"}
            using var document = JsonDocument.Parse(line);
            JsonElement json = document.RootElement;
            subscriber.OnMessage(new ReceivedMessage(
                json.GetProperty("topic").GetString()!,
                json.TryGetProperty("payload", out JsonElement payload) ? payload.GetString() ?? string.Empty : string.Empty,
                json.GetProperty("qos").GetInt32(),
                json.GetProperty("retain").GetInt32() != 0));
        }
    }

    private static List<string> CommonArguments(BrokerProcess broker, ClientConnection connection)
    {
        var arguments = new List<string>
        {
            "-d",
            "-h", "127.0.0.1",
            "-V", connection.Version == MqttProtocolVersion.V500 ? "mqttv5" : "mqttv311",
            "-i", connection.ClientId,
        };
        switch (connection.Transport)
        {
            case ClientTransport.Tcp:
                arguments.AddRange(["-p", Text(broker.Ports.Mqtt)]);
                break;
            case ClientTransport.Tls:
                arguments.AddRange(["-p", Text(broker.Ports.Tls), "--cafile", broker.DevelopmentCertificatePath]);
                break;
            default:
                throw new NotSupportedException("libmosquitto 2.0 has no WebSocket client.");
        }

        if (!connection.CleanStart)
        {
            arguments.Add("-c");
        }

        if (connection.SessionExpirySeconds is { } expiry && connection.Version == MqttProtocolVersion.V500)
        {
            arguments.AddRange(["-x", Text(expiry)]);
        }

        return arguments;
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
