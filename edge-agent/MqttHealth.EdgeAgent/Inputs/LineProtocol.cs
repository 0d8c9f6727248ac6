using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using System.Threading.Channels;
using MqttHealth.EdgeAgent.Status;

namespace MqttHealth.EdgeAgent.Inputs;

/// <summary>
/// Newline-delimited JSON readings in, one reply line per reading out, in the same order:
/// <c>{"ok":true,"id":42}</c> once the reading is on disk, or <c>{"ok":false,"error":"..."}</c>. Up to
/// <see cref="Window"/> readings may await their reply at once, so a fast writer fills a group commit. A line longer
/// than the limit, bad JSON or an unknown device is refused, counted and answered; the stream goes on.
/// </summary>
public static class LineProtocol
{
    public const int Window = 256;

    public static async Task RunAsync(Stream input, Stream output, ReadingIntake intake, AgentStatus status, string inputName, int maxLine, CancellationToken cancellationToken)
    {
        var replies = Channel.CreateBounded<Task<IntakeResult>>(new BoundedChannelOptions(Window) { SingleReader = true, SingleWriter = true });
        Task writer = WriteRepliesAsync(replies.Reader, output, cancellationToken);
        PipeReader reader = PipeReader.Create(input, new StreamPipeReaderOptions(leaveOpen: true));
        bool skipping = false;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                ReadResult read = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = read.Buffer;
                while (TryLine(ref buffer, out ReadOnlySequence<byte> line))
                {
                    if (skipping)
                    {
                        skipping = false; // the rest of an over-long line
                        continue;
                    }

                    if (line.Length > maxLine)
                    {
                        await TooLongAsync(replies.Writer, status, inputName, maxLine, cancellationToken).ConfigureAwait(false);
                        continue;
                    }

                    await SubmitAsync(line.ToArray(), replies.Writer, intake, inputName, cancellationToken).ConfigureAwait(false);
                }

                if (buffer.Length > maxLine)
                {
                    if (!skipping)
                    {
                        await TooLongAsync(replies.Writer, status, inputName, maxLine, cancellationToken).ConfigureAwait(false);
                    }

                    skipping = true;
                    buffer = buffer.Slice(buffer.End);
                }

                if (read.IsCompleted)
                {
                    if (!skipping && buffer.Length > 0)
                    {
                        await SubmitAsync(buffer.ToArray(), replies.Writer, intake, inputName, cancellationToken).ConfigureAwait(false);
                        buffer = buffer.Slice(buffer.End);
                    }

                    reader.AdvanceTo(buffer.End);
                    break;
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        finally
        {
            replies.Writer.TryComplete();
            await reader.CompleteAsync().ConfigureAwait(false);
            try
            {
                await writer.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
            {
                // the client went away: its readings that reached the disk stay accepted
            }
        }
    }

    private static async Task TooLongAsync(ChannelWriter<Task<IntakeResult>> replies, AgentStatus status, string inputName, int maxLine, CancellationToken cancellationToken)
    {
        status.Rejected(inputName);
        await replies.WriteAsync(Task.FromResult(IntakeResult.Refused(IntakeFailure.Invalid, $"line longer than {maxLine} bytes (Agent:Inputs:MaxLineBytes)")), cancellationToken).ConfigureAwait(false);
    }

    private static async Task SubmitAsync(byte[] line, ChannelWriter<Task<IntakeResult>> replies, ReadingIntake intake, string inputName, CancellationToken cancellationToken)
    {
        if (line.AsSpan().Trim((byte)'\r').Trim((byte)' ').IsEmpty)
        {
            return; // blank lines are not readings
        }

        await replies.WriteAsync(intake.SubmitJsonAsync(line, inputName, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    private static bool TryLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line)
    {
        SequencePosition? newline = buffer.PositionOf((byte)'\n');
        if (newline is null)
        {
            line = default;
            return false;
        }

        line = buffer.Slice(0, newline.Value);
        buffer = buffer.Slice(buffer.GetPosition(1, newline.Value));
        return true;
    }

    private static async Task WriteRepliesAsync(ChannelReader<Task<IntakeResult>> replies, Stream output, CancellationToken cancellationToken)
    {
        await foreach (Task<IntakeResult> pending in replies.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            IntakeResult result = await pending.ConfigureAwait(false);
            await output.WriteAsync(Reply(result), cancellationToken).ConfigureAwait(false);
            if (replies.Count == 0)
            {
                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The reply line of one reading.</summary>
    public static byte[] Reply(IntakeResult result)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteBoolean("ok", result.Accepted);
            if (result.Id is { } id)
            {
                w.WriteNumber("id", id);
            }
            else
            {
                w.WriteString("error", result.Error);
            }

            w.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }
}
