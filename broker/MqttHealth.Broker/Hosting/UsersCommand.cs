using System.Text;
using MqttHealth.Broker.Audit;
using MqttHealth.Broker.Options;
using MqttHealth.Broker.Security.Authentication;

namespace MqttHealth.Broker.Hosting;

/// <summary>
/// <c>mqtthealth-broker users add|passwd|remove|list</c>: manages the users file (<see cref="UserStore"/>) of the
/// data directory the configuration names (<c>--data DIR</c>, <c>--config FILE</c>, as for a normal run). A running
/// broker picks up the change at the next CONNECT with a user name. Exit codes: 0 done, 2 bad usage (unknown
/// option, user exists, unknown user, bad role or attribute, empty or mismatched password, invalid users file).
/// </summary>
public static class UsersCommand
{
    public const string Verb = "users";

    private static readonly string[] ValueOptions = ["--role", "--attr"];
    private static readonly string[] Switches = ["--password-stdin", "--certificate"];

    /// <summary>
    /// Runs the verb on <paramref name="args"/> (the arguments after <c>users</c>). Passwords come from <paramref name="input"/>
    /// (one line), or, when <paramref name="inputIsTerminal"/> and without <c>--password-stdin</c>, from the console without echo, twice.
    /// </summary>
    public static int Run(IReadOnlyList<string> args, string contentRoot, string environmentName, TextReader input, bool inputIsTerminal, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        BrokerVerbArguments parsed = BrokerVerbArguments.Parse(args, ValueOptions, Switches);
        if (parsed.Help)
        {
            WriteUsage(output);
            return BrokerExitCodes.Ok;
        }

        if (parsed.Error is { } parseError)
        {
            return Usage(error, parseError);
        }

        if (parsed.Positionals.Count == 0)
        {
            return Usage(error, "missing action: add, passwd, remove or list");
        }

        string action = parsed.Positionals[0];
        int expectedPositionals = action == "list" ? 1 : 2;
        if (action is not ("add" or "passwd" or "remove" or "list"))
        {
            return Usage(error, $"unknown action '{action}': expected add, passwd, remove or list");
        }

        if (parsed.Positionals.Count != expectedPositionals)
        {
            return Usage(error, expectedPositionals == 1 ? "'users list' takes no user name" : $"'users {action}' needs exactly one user name");
        }

        if (action != "add" && (parsed.Values("--role").Count > 0 || parsed.Values("--attr").Count > 0))
        {
            return Usage(error, $"--role and --attr apply to 'users add' only");
        }

        if (action != "add" && parsed.Has("--certificate"))
        {
            return Usage(error, "--certificate applies to 'users add' only");
        }

        if (parsed.Has("--certificate") && parsed.Has("--password-stdin"))
        {
            return Usage(error, "a certificate entry has no password: --certificate and --password-stdin exclude each other");
        }

        if (action is "remove" or "list" && parsed.Has("--password-stdin"))
        {
            return Usage(error, $"--password-stdin does not apply to 'users {action}'");
        }

        if (!parsed.TryLoadOptions(BrokerCommand.Users, contentRoot, environmentName, out BrokerOptions options, out string? optionsError))
        {
            error.WriteLine($"mqtthealth-broker: {optionsError}");
            return BrokerExitCodes.BadConfiguration;
        }

        string path = options.Security.ResolveUsersFile(options.DataDirectory);
        List<StoredUser> users;
        try
        {
            users = [.. UserStore.Load(path)];
        }
        catch (UserStoreException ex)
        {
            error.WriteLine($"mqtthealth-broker: {ex.Message}");
            return BrokerExitCodes.BadConfiguration;
        }

        string name = expectedPositionals == 2 ? parsed.Positionals[1] : string.Empty;
        int index = users.FindIndex(u => string.Equals(u.Name, name, StringComparison.Ordinal));
        switch (action)
        {
            case "list":
                foreach (StoredUser user in users)
                {
                    output.WriteLine(Describe(user));
                }

                return BrokerExitCodes.Ok;
            case "remove":
                if (index < 0)
                {
                    return Usage(error, $"no user '{name}' in {path}");
                }

                users.RemoveAt(index);
                return Save(path, users, options, output, error, $"user '{name}' removed");
        }

        if (action == "add")
        {
            if (!UserNames.IsValidName(name))
            {
                return Usage(error, $"invalid user name: 1 to {UserNames.MaximumNameLength} characters, no control characters");
            }

            if (index >= 0)
            {
                return Usage(error, $"user '{name}' already exists in {path} (use 'users passwd' to change the password)");
            }

            if (!TryParseRolesAndAttributes(parsed, out List<string> roles, out Dictionary<string, string> attributes, out string? syntaxError))
            {
                return Usage(error, syntaxError!);
            }

            if (parsed.Has("--certificate"))
            {
                // Roles and attributes for the client certificate identity NAME; no password, so none can be used.
                users.Add(new StoredUser(name, string.Empty, roles, attributes) { IsCertificate = true });
                return Save(path, users, options, output, error, $"certificate entry '{name}' added");
            }

            if (!TryReadPassword(input, inputIsTerminal && !parsed.Has("--password-stdin"), output, out string? password, out string? passwordError))
            {
                return Usage(error, passwordError!);
            }

            string hash = new PasswordHasher(options.Security.PasswordIterations).Hash(Encoding.UTF8.GetBytes(password!));
            users.Add(new StoredUser(name, hash, roles, attributes));
            return Save(path, users, options, output, error, $"user '{name}' added");
        }

        // passwd
        if (index < 0)
        {
            return Usage(error, $"no user '{name}' in {path}");
        }

        if (users[index].IsCertificate)
        {
            return Usage(error, $"'{name}' is a certificate entry: it has no password");
        }

        if (!TryReadPassword(input, inputIsTerminal && !parsed.Has("--password-stdin"), output, out string? newPassword, out string? newPasswordError))
        {
            return Usage(error, newPasswordError!);
        }

        // Rehashed with the configured count: raising PasswordIterations takes effect for a user here.
        users[index] = users[index] with { PasswordHash = new PasswordHasher(options.Security.PasswordIterations).Hash(Encoding.UTF8.GetBytes(newPassword!)) };
        return Save(path, users, options, output, error, $"password of user '{name}' changed");
    }

    public static void WriteUsage(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine("Usage:");
        output.WriteLine("  mqtthealth-broker users add NAME [--role ROLE]... [--attr KEY=VALUE]... [--password-stdin]");
        output.WriteLine("  mqtthealth-broker users add NAME --certificate [--role ROLE]... [--attr KEY=VALUE]...");
        output.WriteLine("  mqtthealth-broker users passwd NAME [--password-stdin]");
        output.WriteLine("  mqtthealth-broker users remove NAME");
        output.WriteLine("  mqtthealth-broker users list");
        output.WriteLine("Each also takes --data DIR and --config FILE, as a normal run. The users file is DIR/users.json");
        output.WriteLine("unless Broker:Security:UsersFile says otherwise. At a terminal the password is asked twice, without");
        output.WriteLine("echo; otherwise (or with --password-stdin) it is the first line of standard input. --certificate adds");
        output.WriteLine("an entry without a password for the client certificate identity NAME (its roles and attributes).");
    }

    private static bool TryParseRolesAndAttributes(BrokerVerbArguments parsed, out List<string> roles, out Dictionary<string, string> attributes, out string? error)
    {
        roles = [];
        attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        error = null;
        foreach (string role in parsed.Values("--role"))
        {
            if (!UserNames.IsValidRole(role))
            {
                error = $"invalid role '{role}': letters, digits, '.', '_' and '-', starting with a letter or digit, up to {UserNames.MaximumRoleLength} characters";
                return false;
            }

            if (!roles.Contains(role, StringComparer.Ordinal))
            {
                roles.Add(role);
            }
        }

        foreach (string attr in parsed.Values("--attr"))
        {
            int equals = attr.IndexOf('=', StringComparison.Ordinal);
            string key = equals < 0 ? attr : attr[..equals];
            string value = equals < 0 ? string.Empty : attr[(equals + 1)..];
            if (equals < 0 || !UserNames.IsValidAttributeKey(key))
            {
                error = $"invalid attribute '{attr}': expected KEY=VALUE with a lower-case KEY (letters, digits, '_', '-')";
                return false;
            }

            if (!UserNames.IsValidAttributeValue(value))
            {
                error = $"invalid value for attribute '{key}': 1 to {UserNames.MaximumAttributeLength} characters, no control characters, '/', '+' or '#'";
                return false;
            }

            if (!attributes.TryAdd(key, value))
            {
                error = $"attribute '{key}' is given twice";
                return false;
            }
        }

        return true;
    }

    private static bool TryReadPassword(TextReader input, bool terminal, TextWriter output, out string? password, out string? error)
    {
        error = null;
        if (terminal)
        {
            password = ReadHidden(output, "Password: ");
            string again = ReadHidden(output, "Password again: ");
            if (!string.Equals(password, again, StringComparison.Ordinal))
            {
                error = "the passwords do not match";
                return false;
            }
        }
        else
        {
            password = input.ReadLine();
        }

        if (string.IsNullOrEmpty(password))
        {
            error = "the password must not be empty";
            return false;
        }

        return true;
    }

    private static string ReadHidden(TextWriter output, string prompt)
    {
        output.Write(prompt);
        output.Flush();
        var text = new StringBuilder();
        while (true)
        {
            ConsoleKeyInfo key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                break;
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (text.Length > 0)
                {
                    text.Length--;
                }
            }
            else if (key.KeyChar != '\0')
            {
                text.Append(key.KeyChar);
            }
        }

        output.WriteLine();
        return text.ToString();
    }

    private static string Describe(StoredUser user)
    {
        string roles = (user.IsCertificate ? "certificate\troles=" : "roles=") + (user.Roles.Count == 0 ? "-" : string.Join(',', user.Roles));
        string attributes = string.Join(' ', user.Attributes.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}={a.Value}"));
        return attributes.Length == 0 ? $"{user.Name}\t{roles}" : $"{user.Name}\t{roles}\t{attributes}";
    }

    /// <summary>
    /// Writes the users file and records the change in the audit trail (<see cref="AuditSubmission"/>: directly, or through
    /// the running broker). A trail that cannot be written stops the command before the file changes: no unaudited change.
    /// </summary>
    private static int Save(string path, List<StoredUser> users, BrokerOptions options, TextWriter output, TextWriter error, string done)
    {
        AuditSubmission submission;
        try
        {
            submission = AuditSubmission.Open(options.DataDirectory, options.Audit);
        }
        catch (AuditException ex)
        {
            error.WriteLine($"mqtthealth-broker: nothing changed: the change could not be audited: {ex.Message}");
            return BrokerExitCodes.Failure;
        }

        try
        {
            try
            {
                UserStore.Save(path, users);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"mqtthealth-broker: cannot write users file '{path}': {ex.Message.ReplaceLineEndings(" ")}");
                return BrokerExitCodes.Failure;
            }

            var record = new AuditRecord(DateTimeOffset.UtcNow, AuditEventKind.UserChanged, OperatingSystemUser(), Detail: $"{done} ({path})");
            if (!submission.SubmitAsync([record], TimeSpan.FromSeconds(10)).GetAwaiter().GetResult())
            {
                output.WriteLine("(the running broker has not taken the audit record into the trail yet; it is committed in its inbox)");
            }
        }
        catch (AuditException ex)
        {
            error.WriteLine($"mqtthealth-broker: {done}, but the audit record could not be written: {ex.Message}");
            return BrokerExitCodes.Failure;
        }
        finally
        {
            submission.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        output.WriteLine($"{done} ({path})");
        return BrokerExitCodes.Ok;
    }

    /// <summary>Who ran the command, for the audit trail: the operating-system account (<c>os:NAME</c>).</summary>
    internal static string OperatingSystemUser() => "os:" + Environment.UserName;

    private static int Usage(TextWriter error, string message)
    {
        error.WriteLine($"mqtthealth-broker users: {message} (see 'mqtthealth-broker users --help')");
        return BrokerExitCodes.BadConfiguration;
    }
}
