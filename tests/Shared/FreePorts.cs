using System.Net;
using System.Net.Sockets;

namespace MqttHealth.Broker.Testing;

/// <summary>
/// Free TCP ports on 127.0.0.1, found by binding port 0. All requested ports are held open together while
/// they are chosen, so one call never returns the same port twice. Another process can still take a port
/// between this call and the broker's bind: <see cref="BrokerProcess.StartAsync"/> retries with fresh ports
/// when the broker reports "address already in use".
/// </summary>
public static class FreePorts
{
    public static int[] Allocate(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var listeners = new List<TcpListener>(count);
        try
        {
            for (int i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                listeners.Add(listener);
            }

            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            foreach (TcpListener listener in listeners)
            {
                listener.Stop();
                listener.Dispose();
            }
        }
    }

    public static int Allocate() => Allocate(1)[0];
}
