using Microsoft.Win32.SafeHandles;

namespace MqttHealth.Payloads.Crypto;

/// <summary>Owns a native EVP_CIPHER_CTX; freed (and its key schedule cleansed by OpenSSL) exactly once, when disposed or finalised.</summary>
internal sealed class OpenSslCipherContextHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public OpenSslCipherContextHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        OpenSslNative.CipherContextFree(handle);
        return true;
    }
}
