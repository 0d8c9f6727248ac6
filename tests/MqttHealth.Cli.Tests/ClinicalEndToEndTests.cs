using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using MqttHealth.Broker.Testing;
using MqttHealth.Mqtt.Client;
using MqttHealth.Mqtt.Protocol;
using MqttHealth.Payloads.Clinical.V1;
using MqttHealth.Payloads.Keys;
using MqttHealth.Payloads.Schema;
using MqttHealth.Payloads.Sdk;

namespace MqttHealth.Cli.Tests;

/// <summary>
/// The real broker (SQLite storage) between an SDK sender and receiver, with a recording loopback proxy in front of it:
/// the broker's database and the wire carry ciphertext only; the receiver still gets the plaintext.
/// </summary>
public sealed class ClinicalEndToEndTests : IDisposable
{
    private const string Pass = "device-pass-1";
    private readonly string _dir = Directory.CreateTempSubdirectory("e2e-").FullName;
    private readonly FacilityCa _ca = FacilityCa.Create("f1", TimeSpan.FromDays(30));
    private readonly FacilityTrust _trust;

    public ClinicalEndToEndTests() => _trust = new FacilityTrust(_ca.Certificate);

    public void Dispose()
    {
        _ca.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task QueuedReadings_BrokerDatabaseAndWireHoldNoPlaintext_ReceiverOpensTheMarker()
    {
        using IssuedIdentity deviceIssued = _ca.Issue(KeyRole.Device, "mon-42", "icu-2", TimeSpan.FromDays(10));
        using IssuedIdentity consumerIssued = _ca.Issue(KeyRole.Consumer, "central-1", null, TimeSpan.FromDays(10));
        using KeyIdentity device = deviceIssued.ToIdentity();
        using KeyIdentity consumer = consumerIssued.ToIdentity();
        await using BrokerProcess broker = await BrokerProcess.StartAsync();
        await using var proxy = new RecordingProxy(broker.Ports.Mqtt);

        // The receiver's persistent session: subscribed, then offline while the readings arrive.
        var receiverOptions = new MqttClientOptions { Port = proxy.Port, ClientId = "central-1", CleanStart = true, SessionExpiryInterval = 3600 };
        await using (var receiverClient = new MqttClient(receiverOptions))
        {
            await receiverClient.ConnectAsync();
            await receiverClient.SubscribeAsync("mh/v1/f1/+/+/+", QualityOfService.AtLeastOnce);
            await receiverClient.DisconnectAsync();
        }

        string marker = "MARKER-" + Guid.NewGuid().ToString("N");
        byte[] patient = Encoding.ASCII.GetBytes("PATIENT-" + Guid.NewGuid().ToString("N"));
        var payloads = new List<ClinicalPayload>();
        var envelopes = new List<byte[]>();
        using (var sender = new ClinicalSender(device, _trust, Path.Combine(_dir, "sender")))
        {
            sender.AddRecipient(consumer.Certificate);
            await using var senderClient = new MqttClient(new MqttClientOptions { Port = proxy.Port, ClientId = "mon-42" });
            await senderClient.ConnectAsync();
            for (int i = 0; i < 3; i++)
            {
                var set = new SampleSet { PatientRef = ByteString.CopyFrom(patient), TimeMs = 1_790_000_000_000UL + (ulong)i };
                SampleSets.Add(set, VitalsCatalogue.HeartRate, 70 + i);
                SampleSets.Add(set, 0, marker, "1", 0, i);
                var payload = new ClinicalPayload { SampleSet = set };
                SealedMessage message = sender.Seal(payload);
                if (message.Announcement is not null)
                {
                    await senderClient.PublishAsync(message.AnnouncementTopic, message.Announcement, QualityOfService.AtLeastOnce, retain: true);
                    sender.AnnouncementPublished();
                }

                await senderClient.PublishAsync(message.Topic, message.Envelope, QualityOfService.AtLeastOnce);
                payloads.Add(payload);
                envelopes.Add(message.Envelope);
            }

            await senderClient.DisconnectAsync();
        }

        // At rest: the queued envelopes are in broker.db (or its WAL), the plaintext is not.
        byte[] stored = [.. ReadShared(Path.Combine(broker.DataDirectory, "broker.db")), .. ReadShared(Path.Combine(broker.DataDirectory, "broker.db-wal"))];
        Assert.All(envelopes, e => Assert.True(Contains(stored, e), "a queued envelope is not in broker.db: the scan would prove nothing"));
        AssertNoPlaintext(stored, marker, patient, payloads, "broker.db");

        // Online again: the session's queue delivers the announcement and the readings, which open to the marker.
        var opened = new List<ClinicalPayload>();
        using (var receiver = new ClinicalReceiver(consumer, _trust))
        {
            receiverOptions.CleanStart = false;
            await using var receiverClient = new MqttClient(receiverOptions);
            MqttClientConnectResult connack = await receiverClient.ConnectAsync();
            Assert.True(connack.SessionPresent);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await foreach (MqttApplicationMessage message in receiverClient.ReceivedMessages.ReadAllAsync(timeout.Token))
            {
                if (message.Topic.EndsWith("/keys", StringComparison.Ordinal))
                {
                    receiver.AcceptAnnouncement(message.Topic, message.Payload.Span);
                    continue;
                }

                opened.Add(receiver.Open(message.Topic, message.Payload.Span).Payload);
                if (opened.Count == payloads.Count)
                {
                    break;
                }
            }

            await receiverClient.DisconnectAsync();
        }

        Assert.Equal(payloads, opened);
        Assert.All(opened, p => Assert.Equal(marker, p.SampleSet.Loinc[1]));

        // On the wire, both directions of every connection.
        byte[] wire = proxy.Recorded();
        Assert.All(envelopes, e => Assert.True(Contains(wire, e), "an envelope is not in the recorded traffic: the capture would prove nothing"));
        AssertNoPlaintext(wire, marker, patient, payloads, "the recorded traffic");
    }

    [Fact]
    public async Task CliPubThenSubFhir_PrintsAVitalSignsObservation()
    {
        string caDir = Path.Combine(_dir, "ca");
        string devDir = Path.Combine(_dir, "dev");
        string recipients = Path.Combine(_dir, "recipients");
        foreach (string d in new[] { caDir, devDir, recipients })
        {
            Directory.CreateDirectory(d);
        }

        File.WriteAllText(Path.Combine(caDir, "ca.crt.pem"), _ca.ExportCertificatePem());
        string passFile = Path.Combine(_dir, "pass");
        File.WriteAllText(passFile, Pass + "\n");
        using (IssuedIdentity d = _ca.Issue(KeyRole.Device, "mon-42", "icu-2", TimeSpan.FromDays(10)))
        using (IssuedIdentity c = _ca.Issue(KeyRole.Consumer, "central-1", null, TimeSpan.FromDays(10)))
        {
            File.WriteAllText(Path.Combine(devDir, "mon-42.crt.pem"), d.ExportCertificatePem());
            File.WriteAllText(Path.Combine(devDir, "mon-42.key.pem"), d.ExportEncryptedKeyPem(Pass, KeyProtection.MinimumIterations));
            File.WriteAllText(Path.Combine(recipients, "central-1.crt.pem"), c.ExportCertificatePem());
            File.WriteAllText(Path.Combine(_dir, "central-1.key.pem"), c.ExportEncryptedKeyPem(Pass, KeyProtection.MinimumIterations));
        }

        string reading = Path.Combine(_dir, "reading.json");
        File.WriteAllText(reading, """{"device":"mon-42","patient":"0a0b0c","time":"2026-11-21T10:00:00Z","vitals":{"heart_rate":72,"nibp_systolic":120,"nibp_diastolic":80}}""" + "\n");
        await using BrokerProcess broker = await BrokerProcess.StartAsync();
        string endpoint = $"127.0.0.1:{broker.Ports.Mqtt}";
        string[] receiverArgs = ["--cert", Path.Combine(recipients, "central-1.crt.pem"), "--key", Path.Combine(_dir, "central-1.key.pem"), "--ca", caDir,
            "--passphrase-file", passFile, "--broker", endpoint, "--filter", "mh/v1/f1/icu-2/mon-42/vitals", "--client-id", "central-1", "--session-expiry", "600"];

        // The subscription exists (a persistent session) before the reading is published.
        Assert.Equal(0, Run(["sub", .. receiverArgs, "--timeout", "1"]).Code);
        (int pubCode, string pubOut, string pubErr) = Run(["pub", "--cert", Path.Combine(devDir, "mon-42.crt.pem"), "--key", Path.Combine(devDir, "mon-42.key.pem"), "--ca", caDir,
            "--recipients", recipients, "--passphrase-file", passFile, "--broker", endpoint, "--in", reading]);
        Assert.True(pubCode == 0, pubErr);
        // The reading's patient goes out once, in the retained patient context; the set carries its number.
        Assert.Contains("mh/v1/f1/icu-2/mon-42/context epoch 1 sequence 0", pubOut, StringComparison.Ordinal);
        Assert.Contains("retained", pubOut, StringComparison.Ordinal);
        Assert.Contains("mh/v1/f1/icu-2/mon-42/vitals epoch 1 sequence 1", pubOut, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(devDir, "mon-42.sender.json")));
        Assert.True(File.Exists(Path.Combine(devDir, "mon-42.context.json")));

        (int subCode, string subOut, string subErr) = Run(["sub", .. receiverArgs, "--count", "1", "--timeout", "30", "--fhir"]);
        Assert.True(subCode == 0, subErr);
        JsonElement[] observations = [.. subOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];
        Assert.Equal(2, observations.Length);
        JsonElement hr = observations[0];
        Assert.Equal(("Observation", "final"), (hr.GetProperty("resourceType").GetString(), hr.GetProperty("status").GetString()));
        Assert.Equal("vital-signs", hr.GetProperty("category")[0].GetProperty("coding")[0].GetProperty("code").GetString());
        Assert.Equal("8867-4", hr.GetProperty("code").GetProperty("coding")[0].GetProperty("code").GetString());
        Assert.Equal("0a0b0c", hr.GetProperty("subject").GetProperty("identifier").GetProperty("value").GetString());
        Assert.Equal("2026-11-21T10:00:00.000Z", hr.GetProperty("effectiveDateTime").GetString());
        Assert.Equal((72m, "/min", "http://unitsofmeasure.org"), (hr.GetProperty("valueQuantity").GetProperty("value").GetDecimal(), hr.GetProperty("valueQuantity").GetProperty("code").GetString(), hr.GetProperty("valueQuantity").GetProperty("system").GetString()));
        Assert.Equal("85354-9", observations[1].GetProperty("code").GetProperty("coding")[0].GetProperty("code").GetString());

        // A second pub run goes on in the same epoch with the next sequence (state persisted between runs); the patient
        // has not changed, so no new context is published.
        (int again, string againOut, string againErr) = Run(["pub", "--cert", Path.Combine(devDir, "mon-42.crt.pem"), "--key", Path.Combine(devDir, "mon-42.key.pem"), "--ca", caDir,
            "--recipients", recipients, "--passphrase-file", passFile, "--broker", endpoint, "--in", reading]);
        Assert.True(again == 0, againErr);
        Assert.Contains("vitals epoch 1 sequence 2", againOut, StringComparison.Ordinal);
        Assert.DoesNotContain("/context", againOut, StringComparison.Ordinal);

        // The JSON reading format: the set printed with its patient resolved from the context.
        (int jsonCode, string jsonOut, string jsonErr) = Run(["sub", .. receiverArgs, "--count", "1", "--timeout", "30"]);
        Assert.True(jsonCode == 0, jsonErr);
        JsonElement line = JsonDocument.Parse(jsonOut.Split('\n', StringSplitOptions.RemoveEmptyEntries)[0]).RootElement;
        JsonElement readingBack = line.GetProperty("reading");
        Assert.Equal(("0a0b0c", 1), (readingBack.GetProperty("patient").GetString(), readingBack.GetProperty("context").GetInt32()));
        Assert.Equal(72, readingBack.GetProperty("vitals").GetProperty("heart_rate").GetInt32());
    }

    [Fact]
    public void Pub_UnknownOption_ExitCode2()
    {
        (int code, _, string error) = Run(["pub", "--frobnicate", "x"]);
        Assert.Equal(CliExitCodes.BadUsage, code);
        Assert.Contains("unknown option '--frobnicate'", error, StringComparison.Ordinal);
    }

    private static (int Code, string Output, string Error) Run(string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = CliProgram.Run(args, new CliContext { Input = new StringReader(string.Empty), Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    private static void AssertNoPlaintext(byte[] haystack, string marker, byte[] patient, List<ClinicalPayload> payloads, string where)
    {
        Assert.False(Contains(haystack, Encoding.ASCII.GetBytes(marker)), $"the marker is in {where}");
        Assert.False(Contains(haystack, patient), $"the patient reference is in {where}");
        Assert.All(payloads, p => Assert.False(Contains(haystack, p.ToByteArray()), $"a payload's protobuf encoding is in {where}"));
    }

    private static byte[] ReadShared(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    /// <summary>A loopback TCP proxy in front of the broker that records every byte in both directions.</summary>
    private sealed class RecordingProxy : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly int _target;
        private readonly MemoryStream _recorded = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly List<Task> _tasks = [];
        private readonly Task _accept;

        public RecordingProxy(int target)
        {
            _target = target;
            _listener.Start();
            _accept = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public byte[] Recorded()
        {
            lock (_recorded)
            {
                return _recorded.ToArray();
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await Task.WhenAll([_accept, .. _tasks]).ContinueWith(_ => { }, TaskScheduler.Default);
            _stop.Dispose();
        }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }

                var upstream = new TcpClient();
                await upstream.ConnectAsync(IPAddress.Loopback, _target);
                _tasks.Add(PipeAsync(client, upstream));
            }
        }

        private async Task PipeAsync(TcpClient client, TcpClient upstream)
        {
            using (client)
            using (upstream)
            {
                Task a = CopyAsync(client.GetStream(), upstream.GetStream());
                Task b = CopyAsync(upstream.GetStream(), client.GetStream());
                await Task.WhenAny(a, b);
            }
        }

        private async Task CopyAsync(NetworkStream from, NetworkStream to)
        {
            byte[] buffer = new byte[16 * 1024];
            try
            {
                int read;
                while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
                {
                    lock (_recorded)
                    {
                        _recorded.Write(buffer, 0, read);
                    }

                    await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
                }
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
            {
                // the connection ended
            }
        }
    }
}
