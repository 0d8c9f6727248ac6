using MqttHealth.Broker.Engine;

namespace MqttHealth.Broker.Tests.Engine;

/// <summary>The connection's send buffer: no array while idle, every byte kept in order across growth, released cleanly.</summary>
public sealed class SendBufferTests
{
    [Fact]
    public void A_new_buffer_holds_no_array_until_the_first_write()
    {
        var buffer = new SendBuffer();

        Assert.False(buffer.HoldsArray);
        Assert.Equal(0, buffer.WrittenCount);
        Assert.True(buffer.WrittenMemory.IsEmpty);

        buffer.GetSpan(1)[0] = 42;
        buffer.Advance(1);

        Assert.True(buffer.HoldsArray);
        Assert.Equal(new byte[] { 42 }, buffer.WrittenMemory.ToArray());
    }

    [Fact]
    public void Writes_that_outgrow_the_first_array_keep_every_byte_in_order()
    {
        var buffer = new SendBuffer();
        var expected = new List<byte>();
        int[] chunkSizes = [1, 7, 100, SendBuffer.InitialSize - 50, 3, SendBuffer.InitialSize * 3, 513];
        byte next = 0;
        foreach (int size in chunkSizes)
        {
            Span<byte> span = buffer.GetSpan(size);
            Assert.True(span.Length >= size);
            for (int i = 0; i < size; i++)
            {
                span[i] = next;
                expected.Add(next);
                next = unchecked((byte)(next * 31 + 7));
            }

            buffer.Advance(size);
        }

        Assert.Equal(expected.Count, buffer.WrittenCount);
        Assert.Equal(expected.ToArray(), buffer.WrittenMemory.ToArray());
    }

    [Fact]
    public void Release_forgets_the_bytes_gives_the_array_back_and_the_buffer_works_again()
    {
        var buffer = new SendBuffer();
        buffer.GetMemory(SendBuffer.InitialSize * 2).Span.Fill(1);
        buffer.Advance(SendBuffer.InitialSize * 2);

        buffer.Release();

        Assert.False(buffer.HoldsArray);
        Assert.Equal(0, buffer.WrittenCount);
        buffer.GetSpan(2)[..2].Fill(9);
        buffer.Advance(2);
        Assert.Equal(new byte[] { 9, 9 }, buffer.WrittenMemory.ToArray());
    }

    [Fact]
    public void Advancing_past_the_memory_handed_out_is_refused()
    {
        var buffer = new SendBuffer();
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Advance(1));

        int length = buffer.GetSpan(10).Length;
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Advance(length + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Advance(-1));
        Assert.Equal(0, buffer.WrittenCount);
    }
}
