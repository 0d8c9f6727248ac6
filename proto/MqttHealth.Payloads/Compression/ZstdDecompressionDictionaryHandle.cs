using Microsoft.Win32.SafeHandles;

namespace MqttHealth.Payloads.Compression;

/// <summary>Owns a native ZSTD_DDict; freed exactly once, when disposed or finalised.</summary>
internal sealed class ZstdDecompressionDictionaryHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public ZstdDecompressionDictionaryHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle() => ZstdNative.FreeDDict(handle) == 0;
}
