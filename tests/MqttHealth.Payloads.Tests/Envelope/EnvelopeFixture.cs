using System.Security.Cryptography;
using MqttHealth.Payloads.Envelope;
using MqttHealth.Payloads.SenderKeys;

namespace MqttHealth.Payloads.Tests.Envelope;

/// <summary>A sender and a recipient sharing one epoch secret, for tests.</summary>
internal sealed class EnvelopeFixture
{
    public const string Sender = "dev-0042";
    public const string Topic = "mh/v1/fac01/icu3/dev0042/vitals";
    public const string AlarmTopic = "mh/v1/fac01/icu3/dev0042/alarms";
    public const uint Epoch = 3;

    public EnvelopeFixture(EnvelopeOptions? options = null, IEnvelopeCompression? compression = null, ECDsa? signingKey = null, byte[]? secret = null)
    {
        Secret = secret ?? RandomNumberGenerator.GetBytes(32);
        Store.AddEpoch(Sender, Epoch, Secret);
        Sealer = new EnvelopeSealer(SenderKeyState.Create(Sender, Epoch, Secret), options, compression, signingKey);
        Opener = new EnvelopeOpener(Store, compression is null ? null : [compression]);
    }

    public byte[] Secret { get; }

    public SenderKeyStore Store { get; } = new();

    public EnvelopeSealer Sealer { get; }

    public EnvelopeOpener Opener { get; }

    public EnvelopeError TryOpen(byte[] envelope, string topic = Topic, string sender = Sender, ECDsa? publicKey = null, bool requireSignature = false)
    {
        var destination = new byte[4096];
        return Opener.TryOpen(envelope, topic, sender, destination, out _, publicKey, requireSignature);
    }
}
