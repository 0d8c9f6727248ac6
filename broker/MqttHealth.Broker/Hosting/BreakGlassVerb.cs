using System.Globalization;
using MqttHealth.Broker.Audit;
using MqttHealth.Broker.Security.BreakGlass;

namespace MqttHealth.Broker.Hosting;

/// <summary>
/// <c>mqtthealth-broker breakglass list|review ...</c>: the emergency grants of the data directory's audit trail, and
/// their review by the privacy office (docs/break-glass.md). Works whether the broker runs or not: a review goes into the
/// trail directly, or through the running broker's audit inbox.
/// </summary>
public static class BreakGlassVerb
{
    public const string Verb = "breakglass";

    /// <summary>The longest review note; a note is for a ticket reference or a short finding, never patient data.</summary>
    public const int MaximumNoteLength = 500;

    public const string Usage = """
        Usage:
          mqtthealth-broker breakglass list [--unreviewed]
          mqtthealth-broker breakglass review GRANT --outcome justified|unjustified --reviewer NAME [--note TEXT]
        Each also takes --data DIR and --config FILE, as a normal run.
        list      every grant, oldest first: state, holder, reason, topics, uses, review (--unreviewed: closed, not reviewed yet)
        review    records the privacy office's review of a closed grant in the audit trail (once per grant; the reviewer
                  cannot be the grant's holder). The note is for a ticket reference or a short finding: no patient data.
        Exit codes: 0 done; 1 the audit trail cannot be read or written; 2 bad usage (unknown grant, still open, already reviewed).
        """;

    private static readonly string[] ValueOptions = ["--outcome", "--reviewer", "--note"];
    private static readonly string[] Switches = ["--unreviewed"];

    /// <summary>Runs <paramref name="args"/> (the arguments after <c>breakglass</c>).</summary>
    public static int Run(IReadOnlyList<string> args, string contentRoot, string environmentName, TextWriter output, TextWriter error, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        time ??= TimeProvider.System;
        BrokerVerbArguments parsed = BrokerVerbArguments.Parse(args, ValueOptions, Switches);
        if (parsed.Help)
        {
            output.Write(Usage);
            return BrokerExitCodes.Ok;
        }

        string? problem = parsed.Error ?? (parsed.Positionals.Count == 0 ? "missing action: list or review" : null);
        string action = parsed.Positionals.Count > 0 ? parsed.Positionals[0] : string.Empty;
        problem ??= action switch
        {
            "list" when parsed.Positionals.Count != 1 => "'breakglass list' takes no grant id",
            "list" when parsed.Values("--outcome").Count + parsed.Values("--reviewer").Count + parsed.Values("--note").Count > 0 => "--outcome, --reviewer and --note apply to 'breakglass review' only",
            "review" when parsed.Positionals.Count != 2 => "'breakglass review' needs exactly one grant id",
            "review" when parsed.Has("--unreviewed") => "--unreviewed applies to 'breakglass list' only",
            "review" => ReviewArgumentsProblem(parsed),
            "list" => null,
            _ => $"unknown action '{action}': expected list or review",
        };
        if (problem is not null)
        {
            error.WriteLine($"mqtthealth-broker breakglass: {problem}");
            error.Write(Usage);
            return BrokerExitCodes.BadConfiguration;
        }

        if (!parsed.TryLoadOptions(BrokerCommand.BreakGlass, contentRoot, environmentName, out var options, out string? optionsError))
        {
            error.WriteLine($"mqtthealth-broker: {optionsError}");
            return BrokerExitCodes.BadConfiguration;
        }

        IReadOnlyList<BreakGlassGrant> grants;
        try
        {
            grants = BreakGlassStore.Read(options.DataDirectory);
        }
        catch (AuditException ex)
        {
            error.WriteLine($"mqtthealth-broker: {ex.Message}");
            return BrokerExitCodes.Failure;
        }

        DateTimeOffset now = time.GetUtcNow();
        if (action == "list")
        {
            foreach (BreakGlassGrant grant in grants)
            {
                if (!parsed.Has("--unreviewed") || (grant.ClosedAt is not null && grant.ReviewedAt is null))
                {
                    output.WriteLine(Describe(grant, now));
                }
            }

            return BrokerExitCodes.Ok;
        }

        return Review(parsed, grants, options, now, output, error);
    }

    private static int Review(BrokerVerbArguments parsed, IReadOnlyList<BreakGlassGrant> grants, Options.BrokerOptions options, DateTimeOffset now, TextWriter output, TextWriter error)
    {
        string id = parsed.Positionals[1];
        string? outcome = Last(parsed.Values("--outcome"));
        string? reviewer = Last(parsed.Values("--reviewer"));
        string? note = Last(parsed.Values("--note"));
        BreakGlassGrant? grant = grants.FirstOrDefault(g => g.Id == id);
        string? problem =
            grant is null ? $"no grant '{id}' in the audit trail of {options.DataDirectory}"
            : grant.IsOpenAt(now) ? $"grant '{id}' is still open (until {grant.ExpiresAt.UtcDateTime:O}); review it once it is closed"
            : grant.ReviewedAt is not null ? $"grant '{id}' was reviewed already ({grant.ReviewOutcome}, by {grant.Reviewer})"
            : string.Equals(reviewer, grant.HolderName, StringComparison.Ordinal) ? "the holder of a grant cannot review it"
            : null;
        if (problem is not null)
        {
            error.WriteLine($"mqtthealth-broker breakglass: {problem}");
            return BrokerExitCodes.BadConfiguration;
        }

        try
        {
            var submission = AuditSubmission.Open(options.DataDirectory, options.Audit);
            bool recorded;
            try
            {
                recorded = submission.SubmitAsync([BreakGlassRecords.Reviewed(now, id, reviewer!, outcome!, note)], TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
            }
            finally
            {
                submission.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            output.WriteLine(recorded
                ? $"grant {id} reviewed: {outcome}, by {reviewer}"
                : $"grant {id} reviewed: {outcome}, by {reviewer}; the running broker has not taken the record into the trail yet (it is committed in its inbox)");
            return BrokerExitCodes.Ok;
        }
        catch (AuditException ex)
        {
            error.WriteLine($"mqtthealth-broker: the review was not recorded: {ex.Message}");
            return BrokerExitCodes.Failure;
        }
    }

    /// <summary>What is wrong with review's own options, checked before the trail is read.</summary>
    private static string? ReviewArgumentsProblem(BrokerVerbArguments parsed)
    {
        string? outcome = Last(parsed.Values("--outcome"));
        string? reviewer = Last(parsed.Values("--reviewer"));
        string? note = Last(parsed.Values("--note"));
        return outcome is null || !BreakGlassRecords.Outcomes.Contains(outcome) ? "--outcome must be justified or unjustified"
            : string.IsNullOrWhiteSpace(reviewer) || reviewer.Length > 128 || reviewer.Any(char.IsControl) ? "--reviewer NAME is required: who reviewed (1 to 128 characters)"
            : note is not null && (note.Length > MaximumNoteLength || note.Any(char.IsControl)) ? $"--note is at most {MaximumNoteLength} characters on one line (a ticket reference or a short finding; no patient data)"
            : null;
    }

    private static string? Last(IReadOnlyList<string> values) => values.Count == 0 ? null : values[^1];

    private static string Describe(BreakGlassGrant grant, DateTimeOffset now)
    {
        string state = grant.IsOpenAt(now) ? $"OPEN until {Time(grant.ExpiresAt)}"
            : grant.ClosedAt is { } closed ? $"closed {Time(closed)} ({grant.CloseReason})"
            : $"expired {Time(grant.ExpiresAt)}";
        string review = grant.ReviewedAt is { } reviewed
            ? $"reviewed {Time(reviewed)} by {grant.Reviewer}: {grant.ReviewOutcome}{(grant.ReviewNote is { } note ? " (" + note + ")" : string.Empty)}"
            : grant.IsOpenAt(now) ? "not reviewed" : "NOT REVIEWED";
        return string.Join('\t',
            grant.Id,
            state,
            $"holder={grant.Holder}",
            $"client={grant.ClientId}",
            $"reason={grant.Reason}",
            $"opened={Time(grant.OpenedAt)}",
            $"actions={string.Join(',', grant.Actions.Select(BreakGlassRecords.ActionName))}",
            $"topics={string.Join(' ', grant.Topics)}",
            $"uses={grant.Uses.ToString(CultureInfo.InvariantCulture)}",
            review);
    }

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
