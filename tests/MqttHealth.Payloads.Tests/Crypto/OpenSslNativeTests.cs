using MqttHealth.Payloads.Crypto;

namespace MqttHealth.Payloads.Tests.Crypto;

public class OpenSslNativeTests
{
    [Fact]
    public void LibraryNames_OpenSsl3ThenOpenSsl11()
    {
        Assert.Equal(["libcrypto.so.3", "libcrypto.so.1.1"], OpenSslNative.LibraryNames);
    }

    [Fact]
    public void LoadFirst_NoNameLoads_ThrowsDllNotFoundNamingEveryNameTriedAndThePackageToInstall()
    {
        string[] names = ["libmqtthealth-absent.so.3", "libmqtthealth-absent.so.1.1"];

        var error = Assert.Throws<DllNotFoundException>(() => OpenSslNative.LoadFirst(names));

        Assert.Equal(OpenSslNative.MissingLibraryMessage(names), error.Message);
        Assert.Contains("libmqtthealth-absent.so.3, libmqtthealth-absent.so.1.1", error.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install libssl3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingLibraryMessage_ForTheRealNames_NamesBothSonamesAndLibssl3()
    {
        var message = OpenSslNative.MissingLibraryMessage(OpenSslNative.LibraryNames);

        Assert.Contains("libcrypto.so.3, libcrypto.so.1.1", message, StringComparison.Ordinal);
        Assert.Contains("apt-get install libssl3", message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadFirst_AMissingNameBeforeTheInstalledLibcrypto_SkipsToTheOneThatLoads()
    {
        var handle = OpenSslNative.LoadFirst(["libmqtthealth-absent.so.3", .. OpenSslNative.LibraryNames]);

        Assert.NotEqual(0, handle);
    }

    [Fact]
    public void TheResolvedLibrary_IsOpenSsl11Or3WithEveryAlgorithmTheEnvelopeUses()
    {
        Assert.StartsWith("OpenSSL ", OpenSslNative.VersionText, StringComparison.Ordinal);
        Assert.True(OpenSslNative.OpenSslVersionNumber() >= 0x10100000);
        Assert.NotEqual(0, OpenSslNative.Aes256Gcm);
        Assert.NotEqual(0, OpenSslNative.ChaCha20Poly1305);
        Assert.NotEqual(0, OpenSslNative.Sha512);
    }
}
