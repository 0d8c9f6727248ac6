using Microsoft.Win32.SafeHandles;

namespace MqttHealth.Payloads.Compression;

/// <summary>Owns a native ZSTD_DCtx; freed exactly once, when disposed or finalised.</summary>
internal sealed class ZstdDecompressionContextHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public ZstdDecompressionContextHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle() => ZstdNative.FreeDCtx(handle) == 0;
}
