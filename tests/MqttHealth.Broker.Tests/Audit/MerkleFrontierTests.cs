using MqttHealth.Broker.Audit;

namespace MqttHealth.Broker.Tests.Audit;

public sealed class MerkleFrontierTests
{
    [Fact]
    public void Root_EverySizeUpTo70_EqualsRfc6962RecursiveDefinition()
    {
        var leaves = Enumerable.Range(0, 70).Select(i => MerkleFrontier.LeafHash([(byte)i, (byte)(i >> 8)])).ToArray();
        var frontier = new MerkleFrontier();
        for (var n = 1; n <= leaves.Length; n++)
        {
            frontier.Append(leaves[n - 1]);

            Assert.Equal(Convert.ToHexString(Mth(leaves.AsSpan(0, n))), Convert.ToHexString(frontier.Root()));
            var restored = MerkleFrontier.Deserialize(n, frontier.Serialize());
            Assert.Equal(frontier.Root(), restored.Root());
        }
    }

    [Fact]
    public void LeafAndNodeHash_UseRfc6962DomainSeparation()
    {
        // RFC 6962 §2.1: the empty tree, and a leaf prefixed 0x00.
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Convert.ToHexStringLower(new MerkleFrontier().Root()));
        Assert.Equal("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", Convert.ToHexStringLower(MerkleFrontier.LeafHash([])));
    }

    [Fact]
    public void Deserialize_WrongLength_Throws()
    {
        Assert.Throws<FormatException>(() => MerkleFrontier.Deserialize(3, new byte[32]));
    }

    private static byte[] Mth(ReadOnlySpan<byte[]> leaves)
    {
        if (leaves.Length == 1)
        {
            return leaves[0];
        }

        var k = 1;
        while (k * 2 < leaves.Length)
        {
            k *= 2;
        }

        return MerkleFrontier.NodeHash(Mth(leaves[..k]), Mth(leaves[k..]));
    }
}
