using MqttHealth.Payloads.Keys;

namespace MqttHealth.Cli;

/// <summary>The process exit codes of <c>mqtthealth</c> (as the broker's verbs).</summary>
public static class CliExitCodes
{
    /// <summary>Done.</summary>
    public const int Ok = 0;

    /// <summary>The operation was refused or failed: wrong passphrase, a certificate not from the CA, an unreadable file. One line says why.</summary>
    public const int Failure = 1;

    /// <summary>Bad usage: unknown verb or option, a missing or invalid argument, a file that would be overwritten. Nothing was changed.</summary>
    public const int BadUsage = 2;
}

/// <summary>What a verb runs against: the standard streams, the clock, and how hard new keys are protected.</summary>
public sealed class CliContext
{
    public required TextReader Input { get; init; }

    /// <summary>Whether <see cref="Input"/> is an interactive terminal (passphrases are then asked without echo).</summary>
    public bool InputIsTerminal { get; init; }

    public required TextWriter Output { get; init; }

    public required TextWriter Error { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>PBKDF2 iterations for keys written (tests lower it; the command line cannot).</summary>
    public int KdfIterations { get; init; } = KeyProtection.DefaultIterations;

    public static CliContext FromConsole() => new()
    {
        Input = Console.In,
        InputIsTerminal = !Console.IsInputRedirected,
        Output = Console.Out,
        Error = Console.Error,
    };
}
