using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using MqttHealth.Payloads.Keys;

namespace MqttHealth.Cli;

/// <summary>
/// <c>mqtthealth keys init|issue|rotate|revoke|crl</c>: the facility CA in a directory (ca.crt.pem, the encrypted
/// ca.key.pem, ca.crl.pem, issued.json), identities written as NAME.crt.pem + encrypted NAME.key.pem, epoch
/// announcements, revocation. Passphrases come from a file (<c>--passphrase-file</c>, <c>--ca-passphrase-file</c>) or
/// standard input (one line each, the CA's first), never from an argument. See docs/keys.md.
/// </summary>
public static class KeysCommand
{
    public const string Verb = "keys";

    internal const string CaCertificateFile = "ca.crt.pem";
    internal const string CaKeyFile = "ca.key.pem";
    internal const string CaCrlFile = "ca.crl.pem";
    internal const string IssuedFile = "issued.json";

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private static readonly Dictionary<string, (string[] Values, string[] Switches, Func<CliArguments, CliContext, int> Run)> Actions = new(StringComparer.Ordinal)
    {
        ["init"] = (["--facility", "--out", "--days", "--crl-days", "--passphrase-file"], [], Init),
        ["issue"] = (["--role", "--name", "--unit", "--ca", "--out", "--days", "--passphrase-file", "--ca-passphrase-file"], [], Issue),
        ["rotate"] = (["--cert", "--key", "--ca", "--crl", "--recipients", "--out", "--state", "--hours", "--max-messages", "--passphrase-file"], [], Rotate),
        ["revoke"] = (["--name", "--serial", "--ca", "--crl-days", "--ca-passphrase-file"], [], Revoke),
        ["crl"] = (["--ca", "--crl-days", "--ca-passphrase-file"], [], Crl),
    };

    public static int Run(IReadOnlyList<string> args, CliContext context)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(context);
        if (args.Count == 0 || args[0] is "-h" or "--help" or "-?")
        {
            WriteUsage(args.Count == 0 ? context.Error : context.Output);
            return args.Count == 0 ? CliExitCodes.BadUsage : CliExitCodes.Ok;
        }

        if (!Actions.TryGetValue(args[0], out var action))
        {
            return Usage(context, $"unknown action '{args[0]}': expected init, issue, rotate, revoke or crl");
        }

        CliArguments parsed = CliArguments.Parse([.. args.Skip(1)], action.Values, action.Switches);
        if (parsed.Help)
        {
            WriteUsage(context.Output);
            return CliExitCodes.Ok;
        }

        if (parsed.Error is { } error)
        {
            return Usage(context, error);
        }

        if (parsed.Positionals.Count > 0)
        {
            return Usage(context, $"'keys {args[0]}' takes no positional argument ('{parsed.Positionals[0]}')");
        }

        try
        {
            return action.Run(parsed, context);
        }
        catch (UsageException ex)
        {
            return Usage(context, ex.Message);
        }
        catch (KeyException ex)
        {
            context.Error.WriteLine($"{CliProgram.Name}: {ex.Message}");
            return CliExitCodes.Failure;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            context.Error.WriteLine($"{CliProgram.Name}: {ex.Message}");
            return CliExitCodes.Failure;
        }
    }

    public static void WriteUsage(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine("Usage:");
        output.WriteLine("  mqtthealth keys init --facility F --out DIR [--days 3650] [--crl-days 7] [--passphrase-file FILE]");
        output.WriteLine("  mqtthealth keys issue --role device|gateway|consumer|broker --name N [--unit U] --ca DIR --out DIR");
        output.WriteLine("                        [--days 825] [--ca-passphrase-file FILE] [--passphrase-file FILE]");
        output.WriteLine("  mqtthealth keys rotate --cert FILE --key FILE --ca DIR|FILE [--crl FILE] --recipients DIR --out FILE");
        output.WriteLine("                         [--state FILE] [--hours 24] [--max-messages 65536] [--passphrase-file FILE]");
        output.WriteLine("  mqtthealth keys revoke --name N|--serial HEX --ca DIR [--crl-days 7] [--ca-passphrase-file FILE]");
        output.WriteLine("  mqtthealth keys crl --ca DIR [--crl-days 7] [--ca-passphrase-file FILE]");
        output.WriteLine("init creates the facility CA in DIR (ca.crt.pem, encrypted ca.key.pem, an empty ca.crl.pem, issued.json).");
        output.WriteLine("issue writes DIR/N.crt.pem and the encrypted DIR/N.key.pem (and DIR/ca.crt.pem). rotate writes the signed");
        output.WriteLine("announcement of the sender's next epoch for every certificate in the recipients folder (revoked ones and the");
        output.WriteLine("broker left out), to publish retained at mh/v1/{facility}/{unit}/{device}/keys; the epoch counter is kept in");
        output.WriteLine("--state (default: beside --out, SENDER.epoch.json). revoke adds the name's certificates to ca.crl.pem; crl");
        output.WriteLine("re-signs it before it goes stale. Passphrases: from the files given, else one line each from standard input");
        output.WriteLine("(the CA's first); never on the command line.");
    }

    private static int Init(CliArguments args, CliContext context)
    {
        string facility = Required(args, "--facility");
        string dir = Required(args, "--out");
        if (!PrincipalNames.IsValid(facility))
        {
            throw new UsageException($"invalid facility '{facility}': 1 to {PrincipalNames.MaximumLength} letters, digits, '.', '_' and '-'");
        }

        int days = Int(args, "--days", 3650, 1, 36500);
        int crlDays = Int(args, "--crl-days", 7, 1, 365);
        if (File.Exists(Path.Combine(dir, CaKeyFile)))
        {
            throw new UsageException($"{Path.Combine(dir, CaKeyFile)} exists: a CA is never overwritten (choose another --out)");
        }

        string passphrase = Passphrase(args, "--passphrase-file", "CA key passphrase", context, confirm: true);
        Directory.CreateDirectory(dir);
        using FacilityCa ca = FacilityCa.Create(facility, TimeSpan.FromDays(days), context.Time);
        WriteNew(Path.Combine(dir, CaKeyFile), ca.ExportEncryptedKeyPem(passphrase, context.KdfIterations), secret: true);
        WriteNew(Path.Combine(dir, CaCertificateFile), ca.ExportCertificatePem(), secret: false);
        WriteReplacing(Path.Combine(dir, CaCrlFile), CrlPem(ca.BuildCrl(null, [], TimeSpan.FromDays(crlDays), context.Time)));
        WriteReplacing(Path.Combine(dir, IssuedFile), JsonSerializer.Serialize(new IssuedList([]), JsonOptions));
        context.Output.WriteLine($"facility CA '{ca.Certificate.Subject}' created in {dir}, valid until {ca.Certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}");
        context.Output.WriteLine($"  {CaCertificateFile}: the broker's Tls:ClientCaPath and every principal's trust anchor");
        context.Output.WriteLine($"  {CaKeyFile}: encrypted; keep it offline and back it up with its passphrase");
        context.Output.WriteLine($"  {CaCrlFile}: the broker's Tls:ClientCrlFile; re-sign it with 'keys crl' within {crlDays} days");
        return CliExitCodes.Ok;
    }

    private static int Issue(CliArguments args, CliContext context)
    {
        string roleName = Required(args, "--role");
        string name = Required(args, "--name");
        string caDir = Required(args, "--ca");
        string outDir = Required(args, "--out");
        string? unit = args.Value("--unit");
        if (!KeyRoles.TryParse(roleName, out KeyRole role))
        {
            throw new UsageException($"invalid role '{roleName}': expected device, gateway, consumer or broker");
        }

        if (!PrincipalNames.IsValid(name))
        {
            throw new UsageException($"invalid name '{name}': 1 to {PrincipalNames.MaximumLength} letters, digits, '.', '_' and '-', starting with a letter or digit");
        }

        if (unit is not null && !PrincipalNames.IsValid(unit))
        {
            throw new UsageException($"invalid unit '{unit}': 1 to {PrincipalNames.MaximumLength} letters, digits, '.', '_' and '-'");
        }

        if (role is KeyRole.Device or KeyRole.Gateway && unit is null)
        {
            throw new UsageException($"a {roleName} needs --unit: its topics are mh/v1/FACILITY/UNIT/{name}/...");
        }

        int days = Int(args, "--days", 825, 1, 36500);
        string keyPath = Path.Combine(outDir, name + ".key.pem");
        string certPath = Path.Combine(outDir, name + ".crt.pem");
        if (File.Exists(keyPath) || File.Exists(certPath))
        {
            throw new UsageException($"{(File.Exists(keyPath) ? keyPath : certPath)} exists: identities are never overwritten (revoke and issue under another --out)");
        }

        RequireCaDirectory(caDir);
        string caPassphrase = Passphrase(args, "--ca-passphrase-file", "CA key passphrase", context, confirm: false);
        string passphrase = Passphrase(args, "--passphrase-file", $"passphrase for {name}'s key", context, confirm: true);
        using FacilityCa ca = LoadCa(caDir, caPassphrase);
        using IssuedIdentity issued = ca.Issue(role, name, unit, TimeSpan.FromDays(days), context.Time);
        Directory.CreateDirectory(outDir);
        WriteNew(keyPath, issued.ExportEncryptedKeyPem(passphrase, context.KdfIterations), secret: true);
        WriteNew(certPath, issued.ExportCertificatePem(), secret: false);
        string outCa = Path.Combine(outDir, CaCertificateFile);
        if (!File.Exists(outCa))
        {
            WriteNew(outCa, ca.ExportCertificatePem(), secret: false);
        }

        IssuedList list = LoadIssued(caDir);
        string serial = FacilityCrl.SerialKey(issued.Certificate);
        WriteReplacing(Path.Combine(caDir, IssuedFile), JsonSerializer.Serialize(new IssuedList([.. list.Certificates, new IssuedEntry(name, roleName, unit, serial, issued.Certificate.NotAfter.ToUniversalTime(), false)]), JsonOptions));
        context.Output.WriteLine($"{roleName} '{name}' issued: {certPath} and the encrypted {keyPath} (serial {serial}, key id {KeyIds.Of(issued.Certificate)}, valid until {issued.Certificate.NotAfter.ToUniversalTime():yyyy-MM-dd})");
        return CliExitCodes.Ok;
    }

    private static int Rotate(CliArguments args, CliContext context)
    {
        string certPath = Required(args, "--cert");
        string keyPath = Required(args, "--key");
        string ca = Required(args, "--ca");
        string recipientsDir = Required(args, "--recipients");
        string outPath = Required(args, "--out");
        int hours = Int(args, "--hours", 24, 1, 24 * 366);
        ulong maxMessages = ULong(args, "--max-messages", EpochRotationPolicy.MessagesLimit);
        if (!Directory.Exists(recipientsDir))
        {
            throw new UsageException($"--recipients '{recipientsDir}' is not a directory");
        }

        (string caCertPath, string? crlPath) = Directory.Exists(ca)
            ? (Path.Combine(ca, CaCertificateFile), args.Value("--crl") ?? (File.Exists(Path.Combine(ca, CaCrlFile)) ? Path.Combine(ca, CaCrlFile) : null))
            : (ca, args.Value("--crl"));
        X509Certificate2 caCertificate = KeyIdentity.ParseCertificatePem(KeyIdentity.ReadText(caCertPath), caCertPath);
        FacilityCrl? crl = crlPath is null ? null : FacilityCrl.Parse(ReadBytes(crlPath), caCertificate, crlPath);
        var trust = new FacilityTrust(caCertificate, crl);
        string passphrase = Passphrase(args, "--passphrase-file", $"passphrase for {Path.GetFileName(keyPath)}", context, confirm: false);
        using KeyIdentity sender = KeyIdentity.Load(certPath, keyPath, passphrase, trust, context.Time);
        if (sender.Facts.Unit is null)
        {
            throw new KeyException(KeyErrorKind.WrongUsage, $"{certPath}: the sender has no unit (OU), so it has no topic mh/v1/FACILITY/UNIT/NAME/keys");
        }

        string topic = KeyTopics.Announcement(sender.Facts.Facility, sender.Facts.Unit, sender.Name);
        string statePath = args.Value("--state") ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(outPath))!, sender.Name + ".epoch.json");
        var manager = new SenderEpochManager(sender, trust, new EpochRotationPolicy(TimeSpan.FromHours(hours), maxMessages), statePath, context.Time);
        var names = new List<string>();
        foreach (string file in Directory.EnumerateFiles(recipientsDir, "*.pem").Order(StringComparer.Ordinal))
        {
            string text = KeyIdentity.ReadText(file);
            if (!PemEncoding.TryFind(text, out PemFields fields) || text[fields.Label] != "CERTIFICATE")
            {
                continue; // key files and other PEM beside the certificates
            }

            X509Certificate2 certificate = KeyIdentity.ParseCertificatePem(text, file);
            if (certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is { CertificateAuthority: true })
            {
                continue;
            }

            CertificateFacts facts = CertificateFacts.Read(certificate);
            if (facts.KeyId == sender.KeyId)
            {
                continue; // the sender is always a recipient of its own epochs
            }

            if (!KeyRoles.MayReceive(facts.Role))
            {
                context.Error.WriteLine($"{CliProgram.Name}: left out {file}: '{facts.Name}' is the broker, which only routes ciphertext");
                continue;
            }

            if (crl is not null && crl.IsRevoked(certificate))
            {
                context.Error.WriteLine($"{CliProgram.Name}: left out {file}: '{facts.Name}' is revoked");
                continue;
            }

            manager.AddRecipient(certificate);
            names.Add(facts.Name);
        }

        if (names.Count == 0)
        {
            throw new KeyException(KeyErrorKind.InvalidState, $"no recipient certificate in {recipientsDir}: an epoch nobody else can read is of no use");
        }

        EpochRotation rotation = manager.Rotate();
        using (rotation.Secret)
        {
            WriteReplacing(outPath, Encoding.UTF8.GetString(rotation.Announcement.ToJson()) + "\n");
        }

        context.Output.WriteLine($"epoch {rotation.Announcement.Epoch} of '{sender.Name}' for {names.Count} recipient(s) ({string.Join(", ", names)}) and the sender, until {rotation.Announcement.Expires:yyyy-MM-ddTHH:mm:ssZ} or {maxMessages} messages");
        context.Output.WriteLine($"publish {outPath} retained at {topic}");
        return CliExitCodes.Ok;
    }

    private static int Revoke(CliArguments args, CliContext context)
    {
        string caDir = Required(args, "--ca");
        string? name = args.Value("--name");
        string? serial = args.Value("--serial");
        if ((name is null) == (serial is null))
        {
            throw new UsageException("give exactly one of --name N and --serial HEX");
        }

        int crlDays = Int(args, "--crl-days", 7, 1, 365);
        string? serialKey = null;
        if (serial is not null)
        {
            try
            {
                serialKey = FacilityCrl.SerialKey(Convert.FromHexString(serial.Length % 2 == 0 ? serial : "0" + serial));
            }
            catch (FormatException)
            {
                throw new UsageException($"--serial '{serial}' is not hexadecimal");
            }
        }

        RequireCaDirectory(caDir);
        IssuedList list = LoadIssued(caDir);
        List<IssuedEntry> targets = [.. list.Certificates.Where(e => !e.Revoked && (name is not null
            ? string.Equals(e.Name, name, StringComparison.Ordinal)
            : string.Equals(e.Serial, serialKey, StringComparison.Ordinal)))];
        if (targets.Count == 0)
        {
            throw new UsageException(name is not null
                ? $"no unrevoked certificate issued to '{name}' in {Path.Combine(caDir, IssuedFile)}"
                : $"no unrevoked certificate with serial {serial} in {Path.Combine(caDir, IssuedFile)}");
        }

        string caPassphrase = Passphrase(args, "--ca-passphrase-file", "CA key passphrase", context, confirm: false);
        using FacilityCa ca = LoadCa(caDir, caPassphrase);
        string crlPath = Path.Combine(caDir, CaCrlFile);
        FacilityCrl? current = File.Exists(crlPath) ? FacilityCrl.Parse(ReadBytes(crlPath), ca.Certificate, crlPath) : null;
        byte[] der = ca.BuildCrl(current, targets.Select(t => (ReadOnlyMemory<byte>)Convert.FromHexString(t.Serial)), TimeSpan.FromDays(crlDays), context.Time);
        FacilityCrl updated = FacilityCrl.Parse(der, ca.Certificate, crlPath);
        WriteReplacing(crlPath, CrlPem(der));
        WriteReplacing(Path.Combine(caDir, IssuedFile), JsonSerializer.Serialize(new IssuedList([.. list.Certificates.Select(e => targets.Contains(e) ? e with { Revoked = true } : e)]), JsonOptions));
        foreach (IssuedEntry target in targets)
        {
            context.Output.WriteLine($"revoked {target.Role} '{target.Name}' (serial {target.Serial})");
        }

        context.Output.WriteLine($"{crlPath} lists {updated.RevokedSerials.Count} serial(s), valid until {updated.NextUpdate:yyyy-MM-ddTHH:mm:ssZ}: install it as the broker's Tls:ClientCrlFile");
        context.Output.WriteLine($"senders that wrap epoch secrets for '{targets[0].Name}' must rotate now ('mqtthealth keys rotate'): the new epoch leaves it out, so it cannot read what is sealed after");
        return CliExitCodes.Ok;
    }

    private static int Crl(CliArguments args, CliContext context)
    {
        string caDir = Required(args, "--ca");
        int crlDays = Int(args, "--crl-days", 7, 1, 365);
        RequireCaDirectory(caDir);
        string caPassphrase = Passphrase(args, "--ca-passphrase-file", "CA key passphrase", context, confirm: false);
        using FacilityCa ca = LoadCa(caDir, caPassphrase);
        string crlPath = Path.Combine(caDir, CaCrlFile);
        FacilityCrl? current = File.Exists(crlPath) ? FacilityCrl.Parse(ReadBytes(crlPath), ca.Certificate, crlPath) : null;
        byte[] der = ca.BuildCrl(current, [], TimeSpan.FromDays(crlDays), context.Time);
        WriteReplacing(crlPath, CrlPem(der));
        FacilityCrl updated = FacilityCrl.Parse(der, ca.Certificate, crlPath);
        context.Output.WriteLine($"{crlPath} re-signed: {updated.RevokedSerials.Count} serial(s), valid until {updated.NextUpdate:yyyy-MM-ddTHH:mm:ssZ}");
        return CliExitCodes.Ok;
    }

    private static FacilityCa LoadCa(string caDir, string passphrase)
    {
        string certPath = Path.Combine(caDir, CaCertificateFile);
        string keyPath = Path.Combine(caDir, CaKeyFile);
        return FacilityCa.Load(KeyIdentity.ReadText(certPath), KeyIdentity.ReadText(keyPath), passphrase, caDir);
    }

    private static void RequireCaDirectory(string caDir)
    {
        if (!File.Exists(Path.Combine(caDir, CaKeyFile)) || !File.Exists(Path.Combine(caDir, CaCertificateFile)))
        {
            throw new UsageException($"--ca '{caDir}' is not a CA directory (no {CaCertificateFile} and {CaKeyFile}; create one with 'keys init')");
        }
    }

    private static IssuedList LoadIssued(string caDir)
    {
        string path = Path.Combine(caDir, IssuedFile);
        if (!File.Exists(path))
        {
            return new IssuedList([]);
        }

        return JsonSerializer.Deserialize<IssuedList>(File.ReadAllText(path), JsonOptions) ?? throw new KeyException(KeyErrorKind.Malformed, $"{path}: empty");
    }

    internal static string Required(CliArguments args, string name) =>
        args.Value(name) is { Length: > 0 } value ? value : throw new UsageException($"missing {name}");

    internal static int Int(CliArguments args, string name, int fallback, int minimum, int maximum)
    {
        string? text = args.Value(name);
        if (text is null)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value >= minimum && value <= maximum
            ? value
            : throw new UsageException($"{name} must be a whole number from {minimum} to {maximum}, not '{text}'");
    }

    private static ulong ULong(CliArguments args, string name, ulong fallback)
    {
        string? text = args.Value(name);
        if (text is null)
        {
            return fallback;
        }

        return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong value) && value > 0
            ? value
            : throw new UsageException($"{name} must be a positive whole number, not '{text}'");
    }

    /// <summary>From <paramref name="fileOption"/>'s file (one trailing line break dropped), else a line of standard input (asked without echo at a terminal).</summary>
    internal static string Passphrase(CliArguments args, string fileOption, string what, CliContext context, bool confirm)
    {
        string? file = args.Value(fileOption);
        string? passphrase;
        if (file is not null)
        {
            try
            {
                passphrase = File.ReadAllText(file);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new UsageException($"{fileOption} '{file}' cannot be read ({ex.Message})");
            }

            passphrase = passphrase.EndsWith("\r\n", StringComparison.Ordinal) ? passphrase[..^2] : passphrase.EndsWith('\n') ? passphrase[..^1] : passphrase;
        }
        else if (context.InputIsTerminal)
        {
            passphrase = ReadHidden(context, $"{what}: ");
            if (confirm && !string.Equals(passphrase, ReadHidden(context, $"{what} again: "), StringComparison.Ordinal))
            {
                throw new UsageException($"the two entries of the {what} differ");
            }
        }
        else
        {
            passphrase = context.Input.ReadLine();
        }

        return string.IsNullOrEmpty(passphrase)
            ? throw new UsageException($"no {what}: give {fileOption} FILE or a line on standard input")
            : passphrase;
    }

    private static string ReadHidden(CliContext context, string prompt)
    {
        context.Error.Write(prompt);
        var text = new StringBuilder();
        while (true)
        {
            ConsoleKeyInfo key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                context.Error.WriteLine();
                return text.ToString();
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (text.Length > 0)
                {
                    text.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                text.Append(key.KeyChar);
            }
        }
    }

    internal static byte[] ReadBytes(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new KeyException(KeyErrorKind.Malformed, $"{path}: cannot be read ({ex.Message})", ex);
        }
    }

    private static string CrlPem(byte[] der) => new string(PemEncoding.Write("X509 CRL", der)) + "\n";

    /// <summary>Creates a file that must not exist; a secret one is readable by its owner only.</summary>
    private static void WriteNew(string path, string text, bool secret)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (secret && !OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        stream.Write(Encoding.UTF8.GetBytes(text.EndsWith('\n') ? text : text + "\n"));
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Replaces a file atomically (a flushed temporary file renamed over it), so a reader never sees half of it.</summary>
    private static void WriteReplacing(string path, string text)
    {
        string temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        {
            stream.Write(Encoding.UTF8.GetBytes(text));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    private static int Usage(CliContext context, string message)
    {
        context.Error.WriteLine($"{CliProgram.Name} keys: {message}");
        context.Error.WriteLine("Run 'mqtthealth keys --help' for usage.");
        return CliExitCodes.BadUsage;
    }

    internal sealed class UsageException(string message) : Exception(message);

    /// <summary>issued.json: every certificate the CA issued, so revocation can go by name.</summary>
    internal sealed record IssuedList(IReadOnlyList<IssuedEntry> Certificates);

    internal sealed record IssuedEntry(string Name, string Role, string? Unit, string Serial, DateTimeOffset NotAfter, bool Revoked);
}
