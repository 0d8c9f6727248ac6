using Microsoft.Win32.SafeHandles;

namespace MqttHealth.Payloads.Compression;

/// <summary>Owns a native ZSTD_CDict; freed exactly once, when disposed or finalised.</summary>
internal sealed class ZstdCompressionDictionaryHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public ZstdCompressionDictionaryHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle() => ZstdNative.FreeCDict(handle) == 0;
}
