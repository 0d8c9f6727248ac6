using MqttHealth.EdgeAgent.Status;

namespace MqttHealth.EdgeAgent.Inputs;

/// <summary>Readings on standard input, replies on standard output (<see cref="LineProtocol"/>); logs go to standard error.</summary>
public sealed class StdinSource : IReadingSource
{
    private readonly AgentStatus _status;
    private readonly int _maxLine;

    public StdinSource(AgentStatus status, int maxLine)
    {
        _status = status;
        _maxLine = maxLine;
    }

    public string Name => "stdin";

    public async Task RunAsync(ReadingIntake intake, CancellationToken cancellationToken)
    {
        Stream input = Console.OpenStandardInput();
        await using (input.ConfigureAwait(false))
        {
            Stream output = Console.OpenStandardOutput();
            await using (output.ConfigureAwait(false))
            {
                await LineProtocol.RunAsync(input, output, intake, _status, Name, _maxLine, cancellationToken).ConfigureAwait(false);
            }
        }

        // End of input: the agent keeps running (the other inputs, the queue); standard input is simply done.
        await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
    }
}
