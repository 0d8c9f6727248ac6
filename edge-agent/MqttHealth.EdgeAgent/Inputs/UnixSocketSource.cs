using System.Net.Sockets;
using MqttHealth.EdgeAgent.Hosting;
using MqttHealth.EdgeAgent.Status;

namespace MqttHealth.EdgeAgent.Inputs;

/// <summary>
/// A Unix domain stream socket for device drivers: each connection speaks <see cref="LineProtocol"/>. The socket file
/// is created owner and group read/write only (0660); a stale one from an earlier run is replaced.
/// </summary>
public sealed class UnixSocketSource : IReadingSource
{
    private readonly string _path;
    private readonly AgentStatus _status;
    private readonly int _maxLine;
    private readonly ILogger _logger;

    public UnixSocketSource(string path, AgentStatus status, int maxLine, ILogger logger)
    {
        _path = path;
        _status = status;
        _maxLine = maxLine;
        _logger = logger;
    }

    public string Name => "socket";

    public async Task RunAsync(ReadingIntake intake, CancellationToken cancellationToken)
    {
        if (File.Exists(_path))
        {
            File.Delete(_path);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_path))!);
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(_path));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
        }

        listener.Listen(64);
        _logger.InputListening(Name, _path);
        var connections = new List<Task>();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                Socket socket = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
                connections.RemoveAll(t => t.IsCompleted);
                connections.Add(ServeAsync(socket, intake, cancellationToken));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // stopping
        }
        finally
        {
            await Task.WhenAll(connections).ConfigureAwait(false);
            File.Delete(_path);
        }
    }

    private async Task ServeAsync(Socket socket, ReadingIntake intake, CancellationToken cancellationToken)
    {
        using (socket)
        {
            var stream = new NetworkStream(socket, ownsSocket: false);
            await using (stream.ConfigureAwait(false))
            {
                try
                {
                    await LineProtocol.RunAsync(stream, stream, intake, _status, Name, _maxLine, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
                {
                    // the client went away, or the agent stops
                }
            }
        }
    }
}
