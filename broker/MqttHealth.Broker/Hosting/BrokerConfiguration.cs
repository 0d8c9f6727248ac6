using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using MqttHealth.Broker.Options;

namespace MqttHealth.Broker.Hosting;

/// <summary>
/// The broker's configuration layers and the binding of the <c>Broker</c> section, with errors an operator can act on.
/// </summary>
/// <remarks>
/// Layers, later wins: appsettings.json and appsettings.{Environment}.json in the content root (next to the
/// binary), the <c>--config</c> file, environment variables prefixed <c>MQTTHEALTH_</c>
/// (<c>MQTTHEALTH_Broker__Port=1884</c>), then the command line. The host's default sources are replaced, not
/// added to: unprefixed environment variables (<c>Broker__Port</c>) and ASPNETCORE_URLS must not change what a
/// broker listens on behind the operator's back.
/// </remarks>
public static class BrokerConfiguration
{
    public const string EnvironmentPrefix = "MQTTHEALTH_";

    /// <summary>
    /// Adds the layers to <paramref name="builder"/>. Fails (one line in <paramref name="error"/>) when the
    /// <c>--config</c> file is missing.
    /// </summary>
    public static bool TryAddSources(
        IConfigurationBuilder builder,
        BrokerCommandLine commandLine,
        string contentRoot,
        string environmentName,
        out string? error,
        string environmentPrefix = EnvironmentPrefix)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(commandLine);
        error = null;
        try
        {
            // A ConfigurationManager loads each file as it is added, so a malformed file fails here.
            builder.AddJsonFile(Path.Combine(contentRoot, "appsettings.json"), optional: true, reloadOnChange: false);
            builder.AddJsonFile(Path.Combine(contentRoot, $"appsettings.{environmentName}.json"), optional: true, reloadOnChange: false);
            if (commandLine.ConfigFile is { } configFile)
            {
                string full = Path.GetFullPath(configFile);
                if (!File.Exists(full))
                {
                    error = $"configuration file '{full}' (--config) does not exist";
                    return false;
                }

                builder.AddJsonFile(full, optional: false, reloadOnChange: false);
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException)
        {
            error = DescribeFileError(ex);
            return false;
        }

        builder.AddEnvironmentVariables(environmentPrefix);
        builder.AddInMemoryCollection(commandLine.Settings);
        return true;
    }

    /// <summary>One line for a JSON file that does not parse: the provider's message names the file, the inner one the position.</summary>
    public static string DescribeFileError(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        // Provider message (names the file), then the parser's (names line and position).
        var parts = new List<string>(3);
        for (Exception? current = exception; current is not null && parts.Count < 3; current = current.InnerException)
        {
            parts.Add(current.Message);
        }

        return OneLine(string.Join(" ", parts));
    }

    /// <summary>
    /// Binds the <c>Broker</c> section. A value that does not convert or a key that BrokerOptions does not have
    /// is an error naming the key, the flag and what was expected; nothing is silently ignored.
    /// </summary>
    public static bool TryBind(IConfiguration configuration, out BrokerOptions options, out string? error)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        options = new BrokerOptions();
        IConfigurationSection section;
        try
        {
            section = configuration.GetSection(BrokerOptions.SectionName);
            var errors = new List<string>();
            CheckSection(section, typeof(BrokerOptions), errors);
            if (errors.Count > 0)
            {
                error = errors[0];
                return false;
            }

            section.Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException ex)
        {
            error = OneLine(ex.Message);
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>How a setting is named in messages: <c>Broker:Port (--port)</c>.</summary>
    public static string Describe(string configurationKey)
    {
        BrokerFlag? flag = BrokerCommandLine.FindByConfigurationKey(configurationKey);
        return flag is null ? configurationKey : $"{configurationKey} ({flag.Name})";
    }

    private static void CheckSection(IConfigurationSection section, Type type, List<string> errors)
    {
        var properties = new Dictionary<string, PropertyInfo>(StringComparer.OrdinalIgnoreCase);
        foreach (PropertyInfo property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            properties[property.Name] = property;
        }

        foreach (IConfigurationSection child in section.GetChildren())
        {
            if (!properties.TryGetValue(child.Key, out PropertyInfo? property))
            {
                errors.Add($"unknown setting '{child.Path}'");
                continue;
            }

            Type propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (IsScalar(propertyType))
            {
                if (child.Value is { } value && !CanConvert(value, propertyType, property.PropertyType != propertyType))
                {
                    errors.Add($"invalid value '{value}' for {Describe(child.Path)}: expected {Expected(propertyType)}");
                }
            }
            else if (propertyType.IsClass && !typeof(System.Collections.IEnumerable).IsAssignableFrom(propertyType))
            {
                CheckSection(child, propertyType, errors);
            }

            // Collections are left to the binder.
        }
    }

    private static bool IsScalar(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan);

    private static bool CanConvert(string value, Type type, bool nullable)
    {
        if (type == typeof(string) || (nullable && value.Length == 0))
        {
            return true;
        }

        if (type.IsEnum)
        {
            // Names only: "2" would bind to an enum value nobody can read in the file.
            return !value.Any(char.IsDigit) && Enum.TryParse(type, value, ignoreCase: true, out object? parsed) && Enum.IsDefined(type, parsed);
        }

        try
        {
            TypeDescriptor.GetConverter(type).ConvertFromInvariantString(value);
            return true;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or OverflowException or NotSupportedException)
        {
            return false;
        }
    }

    private static string Expected(Type type)
    {
        if (type.IsEnum)
        {
            return "one of " + string.Join(", ", Enum.GetNames(type).Select(n => n.ToLowerInvariant()));
        }

        return Type.GetTypeCode(type) switch
        {
            TypeCode.Boolean => "true or false",
            TypeCode.Byte or TypeCode.UInt16 or TypeCode.UInt32 or TypeCode.UInt64 => string.Create(CultureInfo.InvariantCulture, $"a whole number from 0 to {type.GetField("MaxValue")!.GetValue(null)}"),
            TypeCode.SByte or TypeCode.Int16 or TypeCode.Int32 or TypeCode.Int64 => "a whole number",
            TypeCode.Single or TypeCode.Double or TypeCode.Decimal => "a number",
            _ when type == typeof(TimeSpan) => "a time span such as 00:00:30",
            _ => type.Name,
        };
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
