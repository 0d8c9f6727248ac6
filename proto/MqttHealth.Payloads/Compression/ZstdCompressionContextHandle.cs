using Microsoft.Win32.SafeHandles;

namespace MqttHealth.Payloads.Compression;

/// <summary>Owns a native ZSTD_CCtx; freed exactly once, when disposed or finalised.</summary>
internal sealed class ZstdCompressionContextHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public ZstdCompressionContextHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle() => ZstdNative.FreeCCtx(handle) == 0;
}
