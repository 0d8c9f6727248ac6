using System.Text.Json;
using MqttHealth.Mqtt.Codec;
using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Mqtt.Tests.Interop;

/// <summary>One entry of Interop/captured-packets.json (format in Interop/README.md).</summary>
public sealed record CapturedPacket(string Name, MqttProtocolVersion Version, PacketDirection Direction, byte[] Bytes, JsonElement Expect)
{
    private static readonly Lazy<IReadOnlyList<CapturedPacket>> LazyAll = new(Load);

    /// <summary>Every captured packet, in file order.</summary>
    public static IReadOnlyList<CapturedPacket> All => LazyAll.Value;

    /// <summary>xunit MemberData: the entry names.</summary>
    public static TheoryData<string> Names
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (CapturedPacket packet in All)
            {
                data.Add(packet.Name);
            }

            return data;
        }
    }

    public static CapturedPacket Get(string name) => All.Single(p => p.Name == name);

    private static List<CapturedPacket> Load()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Interop", "captured-packets.json");
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
        var packets = new List<CapturedPacket>();
        foreach (JsonElement entry in document.RootElement.EnumerateArray())
        {
            string direction = entry.GetProperty("direction").GetString()!;
            packets.Add(new CapturedPacket(
                entry.GetProperty("name").GetString()!,
                (MqttProtocolVersion)entry.GetProperty("version").GetInt32(),
                direction switch
                {
                    "client-to-server" => PacketDirection.ClientToServer,
                    "server-to-client" => PacketDirection.ServerToClient,
                    _ => throw new InvalidDataException($"Unknown direction '{direction}'."),
                },
                Convert.FromHexString(entry.GetProperty("hex").GetString()!),
                entry.GetProperty("expect").Clone()));
        }

        return packets;
    }
}
