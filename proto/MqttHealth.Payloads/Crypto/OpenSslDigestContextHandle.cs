using Microsoft.Win32.SafeHandles;

namespace MqttHealth.Payloads.Crypto;

/// <summary>Owns a native EVP_MD_CTX; freed (and cleansed by OpenSSL) exactly once, when disposed or finalised.</summary>
internal sealed class OpenSslDigestContextHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public OpenSslDigestContextHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        OpenSslNative.DigestContextFree(handle);
        return true;
    }
}
