namespace MqttHealth.Cli;

/// <summary>
/// <c>mqtthealth VERB ...</c>: the verb table. Each verb parses its own arguments and returns an exit code
/// (<see cref="CliExitCodes"/>); new verbs (seal, open, pub, sub) are rows of <see cref="Verbs"/>.
/// </summary>
public static class CliProgram
{
    public const string Name = "mqtthealth";

    /// <summary>Verb name → one-line summary and handler (the arguments after the verb).</summary>
    internal static readonly IReadOnlyList<(string Name, string Summary, Func<IReadOnlyList<string>, CliContext, int> Run)> Verbs =
    [
        (KeysCommand.Verb, "the key lifecycle: facility CA, identities, epoch announcements, revocation", KeysCommand.Run),
        ("seal", "seal a JSON reading into an envelope (file or standard input/output)", ClinicalCommands.Seal),
        ("open", "open an envelope with the sender's announcement; print the reading as JSON or FHIR R4", ClinicalCommands.Open),
        ("pub", "seal and publish JSON readings to a broker (announcement retained first when needed)", ClinicalCommands.Pub),
        ("sub", "subscribe, take announcements, open and print readings as JSON lines or FHIR R4 Observations", ClinicalCommands.Sub),
    ];

    public static int Run(IReadOnlyList<string> args, CliContext context)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(context);
        if (args.Count == 0)
        {
            WriteUsage(context.Error);
            return CliExitCodes.BadUsage;
        }

        if (args[0] is "-h" or "--help" or "-?" or "help")
        {
            WriteUsage(context.Output);
            return CliExitCodes.Ok;
        }

        foreach ((string name, _, Func<IReadOnlyList<string>, CliContext, int> run) in Verbs)
        {
            if (string.Equals(name, args[0], StringComparison.Ordinal))
            {
                return run([.. args.Skip(1)], context);
            }
        }

        context.Error.WriteLine($"{Name}: unknown verb '{args[0]}'");
        WriteUsage(context.Error);
        return CliExitCodes.BadUsage;
    }

    public static void WriteUsage(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine($"Usage: {Name} VERB [ARGUMENTS]   ({Name} VERB --help for a verb's arguments)");
        output.WriteLine("Verbs:");
        foreach ((string name, string summary, _) in Verbs)
        {
            output.WriteLine($"  {name,-8} {summary}");
        }

        output.WriteLine("Exit codes: 0 done, 1 refused or failed (the message says why), 2 bad usage.");
    }
}
