namespace MqttHealth.Broker.Hosting;

/// <summary>
/// One command-line option: its flag, the configuration key it sets, and its line in <c>--help</c>. The table in
/// <see cref="BrokerCommandLine.Flags"/> drives parsing, the help text and the flag named in error messages.
/// </summary>
/// <param name="Name">The flag, e.g. <c>--port</c>.</param>
/// <param name="ConfigurationKey">The key it sets, e.g. <c>Broker:Port</c>; null for flags handled by the parser itself.</param>
/// <param name="ValueName">Placeholder shown in the help (<c>N</c>, <c>FILE</c>); null for a bare switch.</param>
/// <param name="Description">One line of help, including the default.</param>
/// <param name="AllowedWithRecover">Whether <c>recover</c> accepts it too.</param>
public sealed record BrokerFlag(string Name, string? ConfigurationKey, string? ValueName, string Description, bool AllowedWithRecover = false)
{
    /// <summary>A bare flag takes no value (<c>--allow-anonymous</c>); it sets its key to <c>true</c>.</summary>
    public bool IsSwitch => ValueName is null;
}
