using System.Net.Sockets;
using System.Text;

namespace MqttHealth.EdgeAgent.Hosting;

/// <summary>
/// sd_notify(3) without libsystemd: when systemd starts the agent with <c>Type=notify</c> it sets <c>NOTIFY_SOCKET</c>;
/// the agent sends <c>READY=1</c> once every service has started and <c>STOPPING=1</c> when it stops. Without the
/// variable (foreground, tests) this does nothing. (Microsoft.Extensions.Hosting.Systemd is not in this registry.)
/// </summary>
public sealed class SystemdNotifier : IHostedService
{
    private readonly IHostApplicationLifetime _lifetime;
    private readonly string? _socket = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");

    public SystemdNotifier(IHostApplicationLifetime lifetime) => _lifetime = lifetime;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _lifetime.ApplicationStarted.Register(() => Notify("READY=1"));
        _lifetime.ApplicationStopping.Register(() => Notify("STOPPING=1"));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Notify(string state)
    {
        if (string.IsNullOrEmpty(_socket))
        {
            return;
        }

        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            string path = _socket[0] == '@' ? "\0" + _socket[1..] : _socket; // '@': the abstract namespace
            socket.Connect(new UnixDomainSocketEndPoint(path));
            socket.Send(Encoding.UTF8.GetBytes(state));
        }
        catch (SocketException)
        {
            // systemd is not listening: nothing to tell
        }
    }
}
