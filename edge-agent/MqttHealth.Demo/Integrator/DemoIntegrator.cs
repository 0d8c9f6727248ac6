using System.Text;
using MqttHealth.Mqtt.Client;
using MqttHealth.Mqtt.Protocol;
using MqttHealth.Payloads.Clinical.V1;
using MqttHealth.Payloads.Keys;
using MqttHealth.Payloads.Sdk;

namespace MqttHealth.Demo.Integrator;

/// <summary>
/// The integrator of the demo: connects as the <c>integrator</c> user, subscribes to the facility's streams and what
/// opening them needs (retained epoch announcements and patient contexts), opens every envelope with its own identity
/// (<see cref="ClinicalReceiver"/>) and prints one line per reading (<see cref="ReadingLine"/>). Reconnects while the demo runs.
/// </summary>
public sealed class DemoIntegrator : IAsyncDisposable
{
    private static readonly string[] Streams = [ClinicalStreams.Keys, ClinicalStreams.Context, ClinicalStreams.Vitals, ClinicalStreams.Alarms, ClinicalStreams.Status];

    private readonly MqttClient _client;
    private readonly ClinicalReceiver _receiver;
    private readonly KeyIdentity _identity;
    private readonly TextWriter _output;
    private readonly TextWriter _log;
    private readonly bool _color;
    private readonly ClinicalInbox _inbox;

    public DemoIntegrator(string facility, KeyIdentity identity, FacilityTrust trust, int port, string user, string password, TextWriter output, TextWriter log, bool color)
    {
        _identity = identity;
        _receiver = new ClinicalReceiver(identity, trust);
        _inbox = new ClinicalInbox(_receiver);
        _output = output;
        _log = log;
        _color = color;
        Facility = facility;
        _client = new MqttClient(new MqttClientOptions
        {
            Host = "127.0.0.1",
            Port = port,
            ClientId = user,
            UserName = user,
            Password = Encoding.UTF8.GetBytes(password),
            CleanStart = true,
            KeepAliveSeconds = 30,
        });
    }

    public string Facility { get; }

    /// <summary>Connects, subscribes and prints until <paramref name="cancellationToken"/> stops it.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Task reading = ReadAsync(cancellationToken);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await _client.ConnectAsync(cancellationToken).ConfigureAwait(false);
                foreach (string stream in Streams)
                {
                    await _client.SubscribeAsync($"mh/v1/{Facility}/+/+/{stream}", QualityOfService.ExactlyOnce, cancellationToken).ConfigureAwait(false);
                }

                await _client.Disconnection.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (MqttClientException ex)
            {
                _log.WriteLine($"integrator: {ex.Message}; connecting again");
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
        }

        await reading.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            try
            {
                await _client.DisconnectAsync(cancellationToken: limit.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is MqttClientException or OperationCanceledException or IOException)
            {
                // leaving anyway
            }
        }

        await _client.DisposeAsync().ConfigureAwait(false);
        _receiver.Dispose();
        _identity.Dispose();
    }

    private async Task ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (MqttApplicationMessage message in _client.ReceivedMessages.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                InboxResult result = _inbox.Receive(message.Topic, message.Payload.Span);
                foreach (InboxRefusal refusal in result.Refusals)
                {
                    if (result.Announcement && result.Accepted is null)
                    {
                        _log.WriteLine($"integrator: announcement on {refusal.Topic} refused: {refusal.Error.Message}");
                    }
                    else if (refusal.Error.Error != ClinicalError.Duplicate)
                    {
                        _log.WriteLine($"integrator: {refusal.Topic} refused: {refusal.Error.Error} {refusal.Error.Message}");
                    }
                }

                foreach (ReceivedMessage opened in result.Opened)
                {
                    Handle(opened);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // stopping
        }
    }

    private void Handle(ReceivedMessage opened)
    {
        ContextResolution resolution = _receiver.Contexts.Accept(opened);
        ClinicalPayload payload = opened.Payload;
        switch (payload.KindCase)
        {
            case ClinicalPayload.KindOneofCase.Alarm:
                _output.WriteLine(ReadingLine.Alarm(opened.SenderId, payload.Alarm, _color));
                break;
            case ClinicalPayload.KindOneofCase.Status:
                _output.WriteLine(ReadingLine.Status(opened.SenderId, payload.Status, _color));
                break;
        }

        // Sample sets once their patient context is known (this message's, or held ones it released).
        foreach (AttributedSet set in resolution.Ready)
        {
            _output.WriteLine(ReadingLine.SampleSet(set.Source.SenderId, set.Set));
        }

        _output.Flush();
    }
}
