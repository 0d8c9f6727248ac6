using System.Threading.Channels;
using MqttHealth.EdgeAgent.Outbox;
using MqttHealth.EdgeAgent.Pipeline;
using MqttHealth.EdgeAgent.Status;
using MqttHealth.Payloads.Sdk;

namespace MqttHealth.EdgeAgent.Inputs;

/// <summary>
/// Where every input hands its readings: parses the JSON reading format (docs/sdk.md, the same as <c>mqtthealth pub</c>),
/// resolves the device, and waits until the pipeline has the reading on disk. Refusals are counted per input.
/// </summary>
public sealed class ReadingIntake
{
    private readonly ChannelWriter<IntakeRequest> _writer;
    private readonly IReadOnlyList<string> _devices;
    private readonly AgentStatus _status;
    private readonly TimeProvider _time;

    public ReadingIntake(ChannelWriter<IntakeRequest> writer, IReadOnlyList<string> devices, AgentStatus status, TimeProvider time)
    {
        _writer = writer;
        _devices = devices;
        _status = status;
        _time = time;
    }

    /// <summary>Parses a reading; a <see cref="FormatException"/> says what is wrong.</summary>
    public ClinicalReading Parse(ReadOnlySpan<byte> json)
    {
        ClinicalReading reading = ClinicalJson.Parse(json, _time.GetUtcNow());
        return reading with { Device = ResolveDevice(reading.Device) };
    }

    /// <summary>Parses and stores one JSON reading.</summary>
    public async Task<IntakeResult> SubmitJsonAsync(ReadOnlyMemory<byte> json, string input, CancellationToken cancellationToken)
    {
        ClinicalReading reading;
        try
        {
            reading = Parse(json.Span);
        }
        catch (FormatException ex)
        {
            _status.Rejected(input);
            return IntakeResult.Refused(IntakeFailure.Invalid, ex.Message);
        }

        return (await SubmitAsync([reading], input, cancellationToken).ConfigureAwait(false))[0];
    }

    /// <summary>Stores readings (their device resolved); each result says whether it is on disk.</summary>
    public async Task<IntakeResult[]> SubmitAsync(IReadOnlyList<ClinicalReading> readings, string input, CancellationToken cancellationToken)
    {
        var requests = new List<IntakeRequest>(readings.Count);
        foreach (ClinicalReading reading in readings)
        {
            var request = new IntakeRequest(ResolveDevice(reading.Device), PayloadBuilder.PriorityOf(reading.Payload), reading.Payload, new TaskCompletionSource<AcceptOutcome>(TaskCreationOptions.RunContinuationsAsynchronously));
            try
            {
                await _writer.WriteAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                request.Outcome.TrySetResult(new AcceptOutcome(null, "the agent is stopping"));
            }

            requests.Add(request);
        }

        var results = new IntakeResult[requests.Count];
        for (int i = 0; i < requests.Count; i++)
        {
            AcceptOutcome outcome = await requests[i].Outcome.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (outcome.Reading is { } stored)
            {
                results[i] = new IntakeResult(stored.Id, null, IntakeFailure.None);
            }
            else
            {
                _status.Rejected(input);
                results[i] = IntakeResult.Refused(outcome.Error == "the agent is stopping" ? IntakeFailure.Stopping : IntakeFailure.Full, outcome.Error!);
            }
        }

        return results;
    }

    private string ResolveDevice(string? device)
    {
        if (device is null)
        {
            return _devices.Count == 1 ? _devices[0] : throw new FormatException($"reading: \"device\" is required, this agent serves {string.Join(", ", _devices)}");
        }

        return _devices.Contains(device) ? device : throw new FormatException($"reading: unknown device '{device}' (this agent serves {string.Join(", ", _devices)})");
    }
}
