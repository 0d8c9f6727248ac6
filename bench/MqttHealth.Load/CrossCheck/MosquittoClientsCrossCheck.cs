using System.Diagnostics;
using System.Globalization;
using System.Text;
using MqttHealth.Bench.Load.Brokers;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Bench.Load.CrossCheck;

/// <summary>
/// Issue 4, the cross-check with a tool we did not write: one 1:1 stream from <c>mosquitto_pub -l</c> to
/// <c>mosquitto_sub -C</c> (Mosquitto's command-line clients, libmosquitto) through the broker under test, at QoS 1
/// or 2, timed from outside. The same clients run against both brokers, so the comparison does not depend on our
/// load generator or client.
/// </summary>
/// <remarks>
/// <para>
/// Steps: (1) <c>mosquitto_pub -r -q 1 -m MARKER</c> leaves a retained marker on a fresh topic. (2)
/// <c>mosquitto_sub -t TOPIC -q QOS -C N+1 -V mqttv5</c> subscribes; the broker delivers the retained marker once the
/// subscription is in place, and mosquitto_sub prints it at once (it flushes stdout after every message), which is
/// the signal that publishing may start. (<c>-d</c>'s "received SUBACK" is no such signal: its debug lines are
/// block-buffered when stdout is a pipe and appear only with the first message.) (3)
/// <c>mosquitto_pub -t TOPIC -q QOS -l -V mqttv5</c> is fed N lines on stdin, all written and stdin closed. Each
/// payload is the message's sequence number (<see cref="SequenceDigits"/> digits) padded with dots to the payload
/// size, so every printed line identifies its message: missing, duplicated and reordered messages are errors.
/// (4) The clock runs from the first byte written to mosquitto_pub until mosquitto_sub exits after the N-th
/// message; mosquitto_pub must then exit with 0 (it does once the last message is acknowledged). (5) The retained
/// marker is removed (<c>-r -n</c>). Every step is bounded; on any failure both clients are killed.
/// </para>
/// <para>
/// What it measures is these clients' pipeline, the same for both brokers. Publisher: libmosquitto keeps at most
/// <c>-M</c> QoS 1/2 messages in flight (default 20), but under MQTT 5 it replaces that with the Receive Maximum in
/// the broker's CONNACK: 256 for both brokers as configured here (Mosquitto's <c>max_inflight_messages 256</c>,
/// MqttHealth's ReceiveMaximum 256); mosquitto_pub -l reads stdin as fast as it can and queues messages beyond the
/// window in its own memory. Subscriber: libmosquitto announces Receive Maximum 20 in its CONNECT by default; the
/// cross-check announces <see cref="SubscriberReceiveMaximum"/> (65,535, the protocol's maximum) with
/// <c>-D CONNECT receive-maximum</c>, so the brokers' delivery to it is bounded by TCP, not by a window, because
/// Mosquitto 2.0.11 overruns a client's Receive Maximum at QoS 2 (its outgoing quota accounting drifts once messages
/// queue: eclipse/mosquitto#2301, fixed in 2.0.13, "various fixes around inflight quota management"), and
/// mosquitto_sub then drops the connection with "A network protocol error occurred": after a few dozen messages
/// with 20 (3 runs of 3), after 13,000 to 19,000 of 20,000 with 256 (3 runs of 5). Packet identifiers have 16 bits,
/// so no broker can have more than 65,535 QoS 1/2 messages in flight to one client: that value cannot be overrun.
/// mosquitto_sub writes one stdout line per message and flushes it. mosquitto_pub -l polls for its CONNACK in
/// 100 ms sleeps before it reads stdin, so up to 100 ms of its start-up are inside
/// <see cref="CrossCheckResult.ElapsedSeconds"/>; <see cref="CrossCheckResult.SteadyMessagesPerSecond"/> leaves them out.
/// </para>
/// </remarks>
internal static class MosquittoClientsCrossCheck
{
    /// <summary>Digits of the sequence number at the start of each payload; payloads must be at least this long.</summary>
    public const int SequenceDigits = 10;

    /// <summary>Bound of each step that is not the stream itself (marker, subscription, clean-up, mosquitto_pub's exit).</summary>
    public static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The Receive Maximum mosquitto_sub announces (<c>-D CONNECT receive-maximum</c>); see the class remarks.</summary>
    public const int SubscriberReceiveMaximum = ushort.MaxValue;

    private const int WriteChunkLines = 1024;

    /// <summary>The stream's bound: 10 s plus 1 ms per message.</summary>
    public static TimeSpan StreamTimeout(int messages) => TimeSpan.FromSeconds(10 + messages / 1000.0);

    /// <summary>Runs the cross-check once (see the class remarks).</summary>
    /// <exception cref="InvalidOperationException">mosquitto_pub or mosquitto_sub is not installed.</exception>
    public static async Task<CrossCheckResult> RunAsync(BrokerUnderTest broker, QualityOfService qos, int messages, int payloadBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentOutOfRangeException.ThrowIfLessThan(messages, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(payloadBytes, SequenceDigits);
        if (qos is not (QualityOfService.AtLeastOnce or QualityOfService.ExactlyOnce))
        {
            throw new ArgumentOutOfRangeException(nameof(qos), qos, "The cross-check runs at QoS 1 or 2.");
        }

        string pubPath = FindOnPath("mosquitto_pub");
        string subPath = FindOnPath("mosquitto_sub");
        string port = broker.Port.ToString(CultureInfo.InvariantCulture);
        string qosArgument = ((int)qos).ToString(CultureInfo.InvariantCulture);
        string topic = $"mqtthealth-crosscheck/{Guid.NewGuid():N}";
        string marker = $"ready-{Guid.NewGuid():N}";
        string[] target = ["-h", "127.0.0.1", "-p", port, "-t", topic, "-V", "mqttv5"];
        var lines = new SubscriberLines(messages, payloadBytes, marker);
        ToolProcess? subscriber = null;
        ToolProcess? publisher = null;
        bool markerRetained = false;
        using var done = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        CrossCheckResult Failed(string error, long sent = 0, double seconds = double.NaN) =>
            lines.Result(broker.Kind, qos, sent, seconds, error);

        try
        {
            // (1) The retained marker.
            string? error = await RunToCompletionAsync(pubPath, [.. target, "-q", "1", "-r", "-m", marker], cancellationToken).ConfigureAwait(false);
            if (error is not null)
            {
                return Failed($"publishing the retained marker failed: {error}");
            }

            markerRetained = true;

            // (2) The subscriber, ready once it prints the marker.
            subscriber = ToolProcess.Start(subPath, [.. target, "-q", qosArgument, "-C", (messages + 1).ToString(CultureInfo.InvariantCulture), "-D", "CONNECT", "receive-maximum", SubscriberReceiveMaximum.ToString(CultureInfo.InvariantCulture)], redirectInput: false, lines.OnLine);
            Task subscriberExit = subscriber.WaitForExitAsync(done.Token);
            Task stepLimit = Task.Delay(StepTimeout, done.Token);
            Task first = await Task.WhenAny(lines.Ready, subscriberExit, stepLimit).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (first != lines.Ready)
            {
                return Failed($"mosquitto_sub did not print the retained marker within {StepTimeout.TotalSeconds:0} s, so its subscription was not known to be in place: {subscriber.Describe()}");
            }

            // (3) and (4) The publisher and the stream.
            publisher = ToolProcess.Start(pubPath, [.. target, "-q", qosArgument, "-l"], redirectInput: true, onLine: null);
            Task publisherExit = publisher.WaitForExitAsync(done.Token);
            byte[] input = Payloads(messages, payloadBytes);
            lines.StartClock();
            Task<long> write = WriteAndCloseAsync(publisher, input, payloadBytes + 1, done.Token);
            Task streamLimit = Task.Delay(StreamTimeout(messages), done.Token);
            Task publisherFailed = FailedExitAsync(publisher, publisherExit, done.Token);
            Task finished = await Task.WhenAny(subscriberExit, publisherFailed, streamLimit).ConfigureAwait(false);
            double seconds = lines.Elapsed;
            cancellationToken.ThrowIfCancellationRequested();
            long sent = write.IsCompletedSuccessfully ? write.Result : 0;
            if (finished == publisherFailed)
            {
                return Failed($"mosquitto_pub failed during the stream: {publisher.Describe()}", sent);
            }

            if (finished == streamLimit)
            {
                string acknowledged = publisher.HasExited && publisher.ExitCode == 0
                    ? "; mosquitto_pub had all of them acknowledged and exited with 0, so the broker accepted messages it did not deliver (a full session queue drops them)"
                    : string.Empty;
                return Failed($"mosquitto_sub had printed {lines.Received} of {messages} messages after {StreamTimeout(messages).TotalSeconds:0} s{acknowledged}: {subscriber.Describe()}; {publisher.Describe()}", sent);
            }

            sent = await write.WaitAsync(StepTimeout, cancellationToken).ConfigureAwait(false);
            if (!await publisher.TryWaitForExitAsync(StepTimeout, cancellationToken).ConfigureAwait(false) || publisher.ExitCode != 0)
            {
                return Failed($"mosquitto_pub did not exit with 0 within {StepTimeout.TotalSeconds:0} s of the last delivery: {publisher.Describe()}", sent, seconds);
            }

            var problems = new List<string>();
            if (subscriber.ExitCode != 0)
            {
                problems.Add(subscriber.Describe());
            }

            lines.AddProblems(problems);
            return lines.Result(broker.Kind, qos, sent, seconds, problems.Count == 0 ? null : string.Join("; ", problems));
        }
        catch (TimeoutException ex)
        {
            return Failed($"writing to mosquitto_pub's stdin: {ex.Message}; {publisher?.Describe()}");
        }
        finally
        {
            await done.CancelAsync().ConfigureAwait(false);
            subscriber?.Dispose();
            publisher?.Dispose();
            if (markerRetained)
            {
                // (5) An empty retained message removes the marker. Best effort: the broker may be gone.
                await RunToCompletionAsync(pubPath, [.. target, "-q", "1", "-r", "-n"], CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The full path of <paramref name="name"/> on PATH.</summary>
    /// <exception cref="InvalidOperationException">Not found.</exception>
    public static string FindOnPath(string name)
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            $"The cross-check runs Mosquitto's command-line clients, and '{name}' is not on PATH. Install them with: apt-get install mosquitto-clients");
    }

    /// <summary>Runs a client to its exit, bounded by <see cref="StepTimeout"/>; null on exit code 0, else what happened.</summary>
    private static async Task<string?> RunToCompletionAsync(string executable, string[] arguments, CancellationToken cancellationToken)
    {
        using ToolProcess tool = ToolProcess.Start(executable, arguments, redirectInput: false, onLine: null);
        bool exited = await tool.TryWaitForExitAsync(StepTimeout, cancellationToken).ConfigureAwait(false);
        return exited && tool.ExitCode == 0 ? null : tool.Describe();
    }

    /// <summary>Completes when the process exits with a non-zero code; while it runs, or after it exited with 0, only on cancellation.</summary>
    private static async Task FailedExitAsync(ToolProcess tool, Task exit, CancellationToken cancellationToken)
    {
        await exit.ConfigureAwait(false);
        if (tool.ExitCode == 0)
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>N lines: the sequence number, zero-padded, then dots up to the payload size, then '\n'.</summary>
    private static byte[] Payloads(int messages, int payloadBytes)
    {
        int lineBytes = payloadBytes + 1;
        byte[] input = new byte[(long)messages * lineBytes];
        for (int i = 0; i < messages; i++)
        {
            Span<byte> line = input.AsSpan(i * lineBytes, lineBytes);
            line.Fill((byte)'.');
            Encoding.ASCII.GetBytes(i.ToString("D" + SequenceDigits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture), line);
            line[^1] = (byte)'\n';
        }

        return input;
    }

    /// <summary>Writes the lines in chunks, closes stdin; returns how many whole lines were written (all, unless the pipe broke).</summary>
    private static async Task<long> WriteAndCloseAsync(ToolProcess publisher, byte[] input, int lineBytes, CancellationToken cancellationToken)
    {
        long written = 0;
        Stream stdin = publisher.Input;
        try
        {
            int chunk = WriteChunkLines * lineBytes;
            for (int offset = 0; offset < input.Length; offset += chunk)
            {
                int count = Math.Min(chunk, input.Length - offset);
                await stdin.WriteAsync(input.AsMemory(offset, count), cancellationToken).ConfigureAwait(false);
                written = (offset + count) / lineBytes;
            }

            await stdin.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // mosquitto_pub exited: its exit code and stderr say why.
        }
        finally
        {
            try
            {
                stdin.Close();
            }
            catch (IOException)
            {
                // Broken pipe on the final flush.
            }
        }

        return written;
    }

    /// <summary>mosquitto_sub's stdout: the marker first, then one line per message, checked and counted.</summary>
    private sealed class SubscriberLines(int messages, int payloadBytes, string marker)
    {
        private readonly Lock _lock = new();
        private readonly bool[] _seen = new bool[messages];
        private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _start;
        private long _firstDelivery;
        private long _received;
        private long _duplicates;
        private long _reordered;
        private long _unexpected;
        private string? _firstUnexpected;
        private int _last = -1;

        public Task Ready => _ready.Task;

        public long Received
        {
            get
            {
                lock (_lock)
                {
                    return _received;
                }
            }
        }

        /// <summary>Seconds since <see cref="StartClock"/>.</summary>
        public double Elapsed => Stopwatch.GetElapsedTime(Volatile.Read(ref _start)).TotalSeconds;

        public void StartClock() => Volatile.Write(ref _start, Stopwatch.GetTimestamp());

        public void OnLine(string line)
        {
            lock (_lock)
            {
                if (!_ready.Task.IsCompleted)
                {
                    if (line == marker)
                    {
                        _ready.TrySetResult();
                    }
                    else
                    {
                        Unexpected(line);
                    }

                    return;
                }

                if (line.Length != payloadBytes
                    || !int.TryParse(line.AsSpan(0, SequenceDigits), NumberStyles.None, CultureInfo.InvariantCulture, out int sequence)
                    || sequence >= messages)
                {
                    Unexpected(line);
                    return;
                }

                if (_received == 0)
                {
                    _firstDelivery = Stopwatch.GetTimestamp();
                }

                if (_seen[sequence])
                {
                    _duplicates++;
                    return;
                }

                _seen[sequence] = true;
                _received++;
                if (sequence < _last)
                {
                    _reordered++;
                }

                _last = sequence;
            }
        }

        public void AddProblems(List<string> problems)
        {
            lock (_lock)
            {
                if (_received < messages)
                {
                    int firstMissing = Array.IndexOf(_seen, false);
                    problems.Add($"{messages - _received} of {messages} messages missing (first: #{firstMissing})");
                }

                if (_duplicates > 0)
                {
                    problems.Add($"{_duplicates} duplicate deliveries");
                }

                if (_reordered > 0)
                {
                    problems.Add($"{_reordered} messages arrived after a later one");
                }

                if (_unexpected > 0)
                {
                    problems.Add($"{_unexpected} unexpected lines from mosquitto_sub (first: \"{_firstUnexpected}\")");
                }
            }
        }

        public CrossCheckResult Result(BrokerKind broker, QualityOfService qos, long sent, double seconds, string? error)
        {
            lock (_lock)
            {
                double first = _received == 0 || _start == 0 ? double.NaN : Stopwatch.GetElapsedTime(_start, _firstDelivery).TotalSeconds;
                return new CrossCheckResult(
                    broker,
                    qos,
                    messages,
                    payloadBytes,
                    sent,
                    _received,
                    seconds,
                    _received / seconds,
                    first,
                    _received < 2 ? double.NaN : (_received - 1) / (seconds - first),
                    error);
            }
        }

        private void Unexpected(string line)
        {
            _unexpected++;
            _firstUnexpected ??= line.Length > 80 ? line[..80] + "…" : line;
        }
    }
}
