using System.Security.Cryptography;

namespace MqttHealth.Broker.Audit;

/*
 * The checkpoint signing key: ECDSA P-256, generated on first use into the data directory as a PKCS#8 PEM
 * readable by the broker's user only (0600 from the moment the file exists), with the public key beside it
 * as SubjectPublicKeyInfo PEM for auditors (openssl and Python's cryptography read both as they are).
 */
internal static class AuditSigningKey
{
    public static ECDsa LoadOrCreate(string dataDirectory)
    {
        var privatePath = Path.Combine(dataDirectory, AuditFiles.PrivateKey);
        var publicPath = Path.Combine(dataDirectory, AuditFiles.PublicKey);
        var key = ECDsa.Create();
        try
        {
            if (File.Exists(privatePath))
            {
                key.ImportFromPem(File.ReadAllText(privatePath));
                if (key.KeySize != 256)
                {
                    throw new AuditException($"The audit signing key {privatePath} is not a P-256 key.");
                }
            }
            else
            {
                key.GenerateKey(ECCurve.NamedCurves.nistP256);
                WriteAtomically(privatePath, key.ExportPkcs8PrivateKeyPem(), privateFile: true);
            }

            // Rewritten when missing or different, so the public key auditors copy always matches the one in use.
            var publicPem = key.ExportSubjectPublicKeyInfoPem();
            if (!File.Exists(publicPath) || File.ReadAllText(publicPath).Trim() != publicPem.Trim())
            {
                WriteAtomically(publicPath, publicPem + "\n", privateFile: false);
            }

            return key;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            key.Dispose();
            throw new AuditException($"The audit signing key {privatePath} cannot be loaded or created: {ex.Message}", ex);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    public static ECDsa LoadPublic(string path)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(File.ReadAllText(path));
            return key;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            key.Dispose();
            throw new AuditException($"The audit public key {path} cannot be read: {ex.Message}", ex);
        }
    }

    internal static void WriteAtomically(string path, string contents, bool privateFile)
    {
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = privateFile
                ? UnixFileMode.UserRead | UnixFileMode.UserWrite
                : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        }

        File.Delete(temporary);
        using (var stream = new FileStream(temporary, options))
        {
            using (var writer = new StreamWriter(stream, leaveOpen: true))
            {
                writer.Write(contents);
            }

            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
