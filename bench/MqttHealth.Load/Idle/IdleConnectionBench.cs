using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using MqttHealth.Bench.Load.Brokers;
using MqttHealth.Mqtt.Codec;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Bench.Load.Idle;

/// <summary>
/// Issue 4, idle connections: how much resident memory a broker spends per idle MQTT 5.0 connection, and how fast it
/// accepts them.
/// </summary>
/// <remarks>
/// <para>
/// Client side: raw sockets, no MQTT client objects, so the load generator's own cost per connection is one socket.
/// Each connection binds a loopback source address 127.0.R.(2+k) (round robin over enough addresses that each carries
/// at most <see cref="ConnectionsPerAddress"/>, against 28k ephemeral ports per address; R changes per run so that
/// the previous run's TIME_WAIT sockets are on other addresses), connects to the broker on 127.0.0.1, writes a
/// CONNECT (MQTT 5.0, Clean Start, Keep Alive 0, a unique client id, no properties) and reads the CONNACK, which must
/// be a success without a Server Keep Alive shorter than <see cref="MinimumServerKeepAlive"/> (that would have the
/// broker drop the idle connections). Then the socket is
/// held open, idle: nothing is sent or read until tear-down. <see cref="Parallelism"/> handshakes run at a time,
/// each bounded by <see cref="HandshakeTimeout"/>; the setup stops early after <see cref="MaxFailures"/> failures.
/// </para>
/// <para>
/// Memory: the broker's VmRSS is read once it has settled (two samples 500 ms apart differ by less than 1%, bounded
/// by <see cref="SettleLimit"/>) before the first connection and again with all connections open; the difference
/// divided by the connections established is the cost per connection. Both brokers are measured the same way.
/// </para>
/// <para>
/// File descriptors: every connection is one descriptor in the broker and one in this process, and the hard limit
/// on open files (<c>ulimit -Hn</c>) may be low (20,000 on the machine the issue's figures come from) and impossible
/// to raise without CAP_SYS_RESOURCE. A run asks for no more connections than fit in both processes, leaving
/// <see cref="BrokerHeadroom"/> descriptors for the broker's own files and <see cref="GeneratorHeadroom"/> for ours,
/// and says in <see cref="IdleResult.Limit"/> what capped it. Spreading the client sockets over child processes
/// would not lift the cap: the broker holds as many descriptors as all clients together.
/// </para>
/// <para>
/// Tear-down: each socket sends DISCONNECT (normal disconnection) and is closed; then the run waits, bounded by
/// <see cref="TeardownLimit"/>, until the broker's open descriptors are back to their count before the run, so the
/// next measurement in the same broker starts clean. The broker may be fresh or have been used before.
/// </para>
/// </remarks>
internal static class IdleConnectionBench
{
    /// <summary>Handshakes in flight at a time during setup.</summary>
    public const int Parallelism = 64;

    /// <summary>
    /// Most connections from one source address: well below the 28,232 ephemeral ports of an address, and below
    /// MqttHealth's default <c>Broker:Limits:MaxConnectionsPerAddress</c> (2,000), so the broker is measured as configured.
    /// </summary>
    public const int ConnectionsPerAddress = 1_000;

    /// <summary>Descriptors left to the broker for its own files (listeners, epoll, logs, database, runtime).</summary>
    public const int BrokerHeadroom = 200;

    /// <summary>Descriptors left to the load generator for everything but the client sockets.</summary>
    public const int GeneratorHeadroom = 100;

    /// <summary>The setup stops after this many failed handshakes.</summary>
    public const int MaxFailures = 50;

    /// <summary>How many descriptors above its count before the run the broker may keep and still count as torn down.</summary>
    public const int TeardownSlack = 16;

    /// <summary>Connect, CONNECT and CONNACK of one connection must be done within this.</summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The shortest Server Keep Alive a CONNACK may impose: the connections must outlive the measurement without a
    /// PINGREQ. (Mosquitto 2.0 answers Keep Alive 0 with Server Keep Alive 65535, its <c>max_keepalive</c>.)
    /// </summary>
    public static readonly TimeSpan MinimumServerKeepAlive = TimeSpan.FromMinutes(10);

    /// <summary>Longest wait for the broker's RSS to settle, before and after the connections.</summary>
    public static readonly TimeSpan SettleLimit = TimeSpan.FromSeconds(5);

    /// <summary>Interval between the two RSS samples that must agree within 1%.</summary>
    public static readonly TimeSpan SettleInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest wait, after closing, for the broker to release the connections' descriptors.</summary>
    public static readonly TimeSpan TeardownLimit = TimeSpan.FromSeconds(30);

    private const int IpProtocolLevel = 0; // IPPROTO_IP
    private const int IpBindAddressNoPort = 24; // IP_BIND_ADDRESS_NO_PORT (Linux 4.2): pick the port at connect(), by 4-tuple
    private const int MaximumPacketSize = 64 * 1024;
    private static readonly TimeSpan TeardownPollInterval = TimeSpan.FromMilliseconds(100);
    private static readonly byte[] Disconnect = [(byte)((int)MqttPacketType.Disconnect << 4), 0x00];
    private static int s_runs;

    /// <summary>Opens up to <paramref name="connections"/> idle MQTT 5.0 connections to <paramref name="broker"/> and measures it (see the class remarks).</summary>
    public static async Task<IdleResult> RunAsync(BrokerUnderTest broker, int connections, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentOutOfRangeException.ThrowIfLessThan(connections, 1);
        int run = Interlocked.Increment(ref s_runs) - 1;
        int brokerOpenBefore = FileDescriptorLimit.OpenCount(broker.ProcessId);
        (int attempted, string? capacityLimit) = Capacity(broker, connections, brokerOpenBefore);
        int addresses = Math.Max(1, (attempted + ConnectionsPerAddress - 1) / ConnectionsPerAddress);
        var server = new IPEndPoint(IPAddress.Loopback, broker.Port);

        (long rssBefore, bool settledBefore) = await SettleRssAsync(broker, cancellationToken).ConfigureAwait(false);

        var sockets = new Socket?[attempted];
        var failures = new ConcurrentQueue<string>();
        int failed = 0;
        var setup = Stopwatch.StartNew();
        try
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var options = new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = stop.Token };
            try
            {
                await Parallel.ForEachAsync(Enumerable.Range(0, attempted), options, async (i, token) =>
                {
                    string clientId = string.Create(CultureInfo.InvariantCulture, $"idle-{Environment.ProcessId}-{run}-{i}");
                    (Socket? socket, string? error) = await HandshakeAsync(server, SourceAddress(run, i % addresses), clientId, token).ConfigureAwait(false);
                    if (socket is not null)
                    {
                        sockets[i] = socket;
                        return;
                    }

                    if (Interlocked.Increment(ref failed) <= 3)
                    {
                        failures.Enqueue(error!);
                    }

                    if (Volatile.Read(ref failed) >= MaxFailures)
                    {
                        await stop.CancelAsync().ConfigureAwait(false);
                    }
                }).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Stopped after MaxFailures failed handshakes: reported below.
            }

            setup.Stop();
            int established = sockets.Count(socket => socket is not null);
            (long rssAfter, bool settledAfter) = await SettleRssAsync(broker, cancellationToken).ConfigureAwait(false);
            int dropped = CountClosedByPeer(sockets);
            int started = Math.Min(attempted, established + failed);
            double? teardown = await TearDownAsync(broker, sockets, brokerOpenBefore, cancellationToken).ConfigureAwait(false);

            var limits = new List<string>();
            if (capacityLimit is not null)
            {
                limits.Add(capacityLimit);
            }

            if (failed > 0)
            {
                string stopped = started < attempted ? $"; the setup stopped there, after {started} of {attempted} attempts" : string.Empty;
                limits.Add($"{failed} handshakes failed{stopped} (first: {string.Join("; ", failures)})");
            }

            if (dropped > 0)
            {
                limits.Add($"the broker closed {dropped} of the {established} established connections before the RSS reading");
            }

            double seconds = setup.Elapsed.TotalSeconds;
            return new IdleResult(
                broker.Kind,
                connections,
                established,
                rssBefore,
                rssAfter,
                established == 0 ? double.NaN : (double)(rssAfter - rssBefore) / established,
                seconds,
                seconds > 0 ? established / seconds : double.NaN,
                limits.Count == 0 ? null : string.Join("; ", limits),
                started,
                failed,
                dropped,
                addresses,
                settledBefore && settledAfter,
                teardown);
        }
        finally
        {
            // Already closed after a normal run; this covers cancellation and exceptions.
            CloseAll(sockets, sendDisconnect: false);
        }
    }

    /// <summary>How many connections fit in the descriptors of the broker and of this process, and what capped it.</summary>
    private static (int Count, string? Limit) Capacity(BrokerUnderTest broker, int requested, int brokerOpen)
    {
        long hard = FileDescriptorLimit.Hard;
        string raise = $"the hard limit (ulimit -Hn) is {hard}, and raising it needs CAP_SYS_RESOURCE";
        long brokerSoft = FileDescriptorLimit.SoftLimitOf(broker.ProcessId);
        long brokerRoom = Math.Max(0, brokerSoft - brokerOpen - BrokerHeadroom);
        int ownOpen = FileDescriptorLimit.OpenCount(Environment.ProcessId);
        long ownSoft = FileDescriptorLimit.Soft;
        long ownRoom = Math.Max(0, ownSoft - ownOpen - GeneratorHeadroom);
        if (requested <= brokerRoom && requested <= ownRoom)
        {
            return (requested, null);
        }

        if (brokerRoom <= ownRoom)
        {
            string soft = brokerSoft < hard
                ? $"its soft RLIMIT_NOFILE, below the hard limit {hard}: call FileDescriptorLimit.RaiseSoftToHard() before starting brokers"
                : $"its soft RLIMIT_NOFILE; {raise}";
            return ((int)brokerRoom, string.Create(
                CultureInfo.InvariantCulture,
                $"{requested} connections need {requested} descriptors in the broker, which may hold {brokerSoft} open files ({soft}), had {brokerOpen} open before the run and keeps {BrokerHeadroom} for its own files: measured {brokerRoom}, the most that fit"));
        }

        return ((int)ownRoom, string.Create(
            CultureInfo.InvariantCulture,
            $"{requested} connections need {requested} client sockets in the load generator, which may hold {ownSoft} open files ({raise}), had {ownOpen} open and keeps {GeneratorHeadroom} spare: measured {ownRoom}, the most that fit"));
    }

    /// <summary>127.0.R.(2+k): R = run (mod 250), so consecutive runs use fresh addresses; k = the address's index in this run.</summary>
    private static IPAddress SourceAddress(int run, int index) =>
        new([127, 0, (byte)(run % 250), (byte)(2 + index)]);

    /// <summary>One connection: bind, connect, CONNECT, CONNACK. Returns the open socket, or null and why it failed.</summary>
    private static async Task<(Socket? Socket, string? Error)> HandshakeAsync(IPEndPoint server, IPAddress local, string clientId, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        string step = "bind";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(HandshakeTimeout);
        try
        {
            socket.NoDelay = true;
            socket.SetRawSocketOption(IpProtocolLevel, IpBindAddressNoPort, BitConverter.GetBytes(1));
            socket.Bind(new IPEndPoint(local, 0));
            step = "connect";
            await socket.ConnectAsync(server, timeout.Token).ConfigureAwait(false);
            step = "CONNECT";
            var output = new ArrayBufferWriter<byte>(64);
            MqttPacketEncoder.Encode(
                new ConnectPacket { ProtocolVersion = MqttProtocolVersion.V500, ClientId = clientId, CleanStart = true, KeepAlive = 0 },
                MqttProtocolVersion.V500,
                output);
            await socket.SendAsync(output.WrittenMemory, SocketFlags.None, timeout.Token).ConfigureAwait(false);
            step = "CONNACK";
            ConnAckPacket? ack = await ReadConnAckAsync(socket, timeout.Token).ConfigureAwait(false);
            string? refusal = ack switch
            {
                null => "the broker closed the connection before CONNACK",
                { ReasonCode: not ReasonCode.Success } => $"CONNACK reason code 0x{(byte)ack.ReasonCode:X2} ({ack.ReasonCode})",
                { Properties.ServerKeepAlive: ushort keepAlive } when keepAlive < MinimumServerKeepAlive.TotalSeconds =>
                    $"CONNACK sets Server Keep Alive {keepAlive} s, so the broker would drop idle connections during the measurement",
                _ => null,
            };
            if (refusal is null)
            {
                return (socket, null);
            }

            socket.Dispose();
            return (null, $"{local} {clientId}: {refusal}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            return (null, $"{local} {clientId}: {step} not done within {HandshakeTimeout.TotalSeconds:0} s");
        }
        catch (Exception ex) when (ex is SocketException or IOException or MqttProtocolException)
        {
            socket.Dispose();
            return (null, $"{local} {clientId}: {step}: {ex.Message}");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Reads one packet; null when the broker closes first.</summary>
    private static async Task<ConnAckPacket?> ReadConnAckAsync(Socket socket, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[256];
        int received = 0;
        while (true)
        {
            if (received == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2);
            }

            int read = await socket.ReceiveAsync(buffer.AsMemory(received), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return null;
            }

            received += read;
            var sequence = new ReadOnlySequence<byte>(buffer, 0, received);
            if (MqttFrameReader.TryReadFrame(ref sequence, MaximumPacketSize, out MqttFrame frame))
            {
                MqttPacket packet = MqttPacketDecoder.Decode(frame, MqttProtocolVersion.V500, PacketDirection.ServerToClient);
                return packet as ConnAckPacket
                    ?? throw new MqttProtocolException(ReasonCode.ProtocolError, string.Empty, $"expected CONNACK, got {packet.Type}");
            }
        }
    }

    /// <summary>The broker's VmRSS once two samples <see cref="SettleInterval"/> apart agree within 1%, or the last sample at <see cref="SettleLimit"/>.</summary>
    private static async Task<(long Rss, bool Settled)> SettleRssAsync(BrokerUnderTest broker, CancellationToken cancellationToken)
    {
        var elapsed = Stopwatch.StartNew();
        long previous = broker.Sample().RssBytes;
        while (true)
        {
            // The sampling interval of a bounded stability check, not a wait for an outcome.
            await Task.Delay(SettleInterval, cancellationToken).ConfigureAwait(false);
            long now = broker.Sample().RssBytes;
            if (Math.Abs(now - previous) < previous / 100.0)
            {
                return (now, true);
            }

            if (elapsed.Elapsed >= SettleLimit)
            {
                return (now, false);
            }

            previous = now;
        }
    }

    /// <summary>Established sockets that are readable now: the broker closed them (EOF or reset) or sent something, both unexpected on an idle connection.</summary>
    private static int CountClosedByPeer(Socket?[] sockets)
    {
        int closed = 0;
        foreach (Socket? socket in sockets)
        {
            try
            {
                if (socket is not null && socket.Poll(0, SelectMode.SelectRead))
                {
                    closed++;
                }
            }
            catch (SocketException)
            {
                closed++;
            }
        }

        return closed;
    }

    /// <summary>DISCONNECT and close every socket; then the seconds until the broker's descriptors are back to <paramref name="brokerOpenBefore"/>, or null.</summary>
    private static async Task<double?> TearDownAsync(BrokerUnderTest broker, Socket?[] sockets, int brokerOpenBefore, CancellationToken cancellationToken)
    {
        var elapsed = Stopwatch.StartNew();
        CloseAll(sockets, sendDisconnect: true);
        while (true)
        {
            int open;
            try
            {
                open = FileDescriptorLimit.OpenCount(broker.ProcessId);
            }
            catch (DirectoryNotFoundException)
            {
                return null; // The broker exited.
            }

            if (open <= brokerOpenBefore + TeardownSlack)
            {
                return elapsed.Elapsed.TotalSeconds;
            }

            if (elapsed.Elapsed >= TeardownLimit)
            {
                return null;
            }

            // Poll interval of a bounded wait.
            await Task.Delay(TeardownPollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    private static void CloseAll(Socket?[] sockets, bool sendDisconnect)
    {
        for (int i = 0; i < sockets.Length; i++)
        {
            Socket? socket = sockets[i];
            if (socket is null)
            {
                continue;
            }

            sockets[i] = null;
            if (sendDisconnect)
            {
                try
                {
                    // Two bytes into an empty send buffer: does not block.
                    socket.Send(Disconnect, SocketFlags.None);
                }
                catch (SocketException)
                {
                    // Already closed by the broker: counted in Dropped.
                }
            }

            socket.Dispose();
        }
    }
}
