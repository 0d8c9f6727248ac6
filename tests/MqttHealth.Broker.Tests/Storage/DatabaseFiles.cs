using System.Buffers.Binary;
using System.Text;
using MqttHealth.Broker.Storage;
using static MqttHealth.Broker.Tests.Storage.StoreTestData;

namespace MqttHealth.Broker.Tests.Storage;

/// <summary>Real databases to damage: filled through the store, then changed byte by byte on disk.</summary>
public static class DatabaseFiles
{
    public const int RetainedCount = 5;

    public const string OwnerOfA = "Password:device-a";

    /// <summary>
    /// Sessions "a" (every message queued, owned by <see cref="OwnerOfA"/>) and "b" (even ids, no owner), subscriptions, inbound QoS 2 ids, messages
    /// 1..<paramref name="messages"/> of 200 bytes each (about 15 per 4 KiB page), and retained messages
    /// with the ids above them. The store is closed afterwards, so everything is in broker.db (no WAL).
    /// </summary>
    public static void Populate(StorageTestDirectory directory, int messages)
    {
        using var store = directory.OpenStore();
        var operations = new List<StoreOperation>
        {
            new SaveSession(Session("a", owner: OwnerOfA)),
            new SaveSession(Session("b", expiry: uint.MaxValue)),
            new SaveSubscription("a", Subscription("sensors/#")),
            new SaveSubscription("b", Subscription("sensors/+", id: 3)),
            new SaveInboundQos2("a", 17),
            new SaveInboundQos2("b", 18),
        };
        for (var id = 1; id <= messages; id++)
        {
            var message = Message(id, size: 200);
            operations.Add(new SaveMessage(message));
            operations.Add(new SaveDelivery("a", Delivery(id, message)));
            if (id % 2 == 0)
            {
                operations.Add(new SaveDelivery("b", Delivery(id, message, subscriptionIds: [3])));
            }
        }

        for (var i = 1; i <= RetainedCount; i++)
        {
            operations.Add(new SetRetained(Message(messages + i, $"status/{i}", retain: true)));
        }

        store.Apply(operations);
    }

    public static int PageSize(string path)
    {
        Span<byte> header = stackalloc byte[18];
        using (var file = File.OpenRead(path))
        {
            file.ReadExactly(header);
        }

        // SQLite file format §1.3.2: big-endian page size at offset 16; 1 means 65536.
        var size = BinaryPrimitives.ReadUInt16BigEndian(header[16..]);
        return size == 1 ? 65536 : size;
    }

    /// <summary>The 0-based index of the page holding <paramref name="marker"/> (ASCII).</summary>
    public static int FindPage(string path, string marker)
    {
        var bytes = File.ReadAllBytes(path);
        var at = bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(marker));
        Assert.True(at >= 0, $"{marker} is not in {path}");
        return at / PageSize(path);
    }

    /// <summary>Overwrites the whole page with pseudo-random bytes (seeded, so every run damages alike).</summary>
    public static void OverwritePage(string path, int pageIndex)
    {
        var pageSize = PageSize(path);
        var garbage = new byte[pageSize];
        new Random(pageIndex).NextBytes(garbage);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Write);
        file.Position = (long)pageIndex * pageSize;
        file.Write(garbage);
    }

    public static void WriteGarbage(string path, int length)
    {
        var garbage = new byte[length];
        new Random(length).NextBytes(garbage);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, garbage);
    }
}
