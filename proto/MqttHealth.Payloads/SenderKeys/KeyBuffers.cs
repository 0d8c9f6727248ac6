using System.Runtime.CompilerServices;

namespace MqttHealth.Payloads.SenderKeys;

/// <summary>A 32-byte chain key held by value.</summary>
[InlineArray(KeyRatchet.ChainKeyLength)]
internal struct ChainKey
{
    private byte _element0;
}

/// <summary>A message's 32-byte AEAD key held by value.</summary>
[InlineArray(KeyRatchet.MessageKeyLength)]
internal struct MessageKey
{
    private byte _element0;
}
