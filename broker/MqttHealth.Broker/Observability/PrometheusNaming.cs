using System.Globalization;
using System.Text;

namespace MqttHealth.Broker.Observability;

/// <summary>
/// Names and text of the Prometheus exposition format 0.0.4, following the OpenTelemetry mapping so that
/// dashboards written for an OpenTelemetry Prometheus exporter read these series too: dots become
/// underscores, the UCUM unit becomes a suffix (<c>By</c> → <c>_bytes</c>, <c>s</c> → <c>_seconds</c>,
/// annotations such as <c>{message}</c> are dropped), and monotonic counters end in <c>_total</c>.
/// </summary>
public static class PrometheusNaming
{
    private static readonly Dictionary<string, string> Units = new(StringComparer.Ordinal)
    {
        ["d"] = "days",
        ["h"] = "hours",
        ["min"] = "minutes",
        ["s"] = "seconds",
        ["ms"] = "milliseconds",
        ["us"] = "microseconds",
        ["ns"] = "nanoseconds",
        ["By"] = "bytes",
        ["KiBy"] = "kibibytes",
        ["MiBy"] = "mebibytes",
        ["GiBy"] = "gibibytes",
        ["TiBy"] = "tibibytes",
        ["KBy"] = "kilobytes",
        ["MBy"] = "megabytes",
        ["GBy"] = "gigabytes",
        ["TBy"] = "terabytes",
        ["bit"] = "bits",
        ["m"] = "meters",
        ["V"] = "volts",
        ["A"] = "amperes",
        ["J"] = "joules",
        ["W"] = "watts",
        ["g"] = "grams",
        ["Cel"] = "celsius",
        ["Hz"] = "hertz",
        ["%"] = "percent",
    };

    private static readonly Dictionary<string, string> PerUnits = new(StringComparer.Ordinal)
    {
        ["s"] = "second",
        ["m"] = "minute",
        ["h"] = "hour",
        ["d"] = "day",
        ["w"] = "week",
        ["mo"] = "month",
        ["y"] = "year",
    };

    /// <summary>The Prometheus metric name for an instrument.</summary>
    /// <param name="instrumentName">The OpenTelemetry instrument name, e.g. <c>mqtthealth.bytes.received</c>.</param>
    /// <param name="unit">UCUM unit, e.g. <c>By</c>; may be null.</param>
    /// <param name="isMonotonicCounter">Counters get the <c>_total</c> suffix.</param>
    /// <param name="isGauge">A unit of <c>1</c> becomes <c>_ratio</c> on gauges only.</param>
    public static string MetricName(string instrumentName, string? unit, bool isMonotonicCounter, bool isGauge)
    {
        ArgumentNullException.ThrowIfNull(instrumentName);
        string name = Sanitize(instrumentName, allowColon: true);
        string suffix = UnitSuffix(unit, isGauge);
        if (suffix.Length > 0 && !name.EndsWith("_" + suffix, StringComparison.Ordinal))
        {
            name += "_" + suffix;
        }

        if (isMonotonicCounter && !name.EndsWith("_total", StringComparison.Ordinal))
        {
            name += "_total";
        }

        return name;
    }

    /// <summary>A label name: [a-zA-Z_][a-zA-Z0-9_]*.</summary>
    public static string LabelName(string tagKey) => Sanitize(tagKey, allowColon: false);

    /// <summary>A label value inside double quotes: backslash, double quote and line feed escaped.</summary>
    public static void AppendLabelValue(StringBuilder builder, string value)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(value);
        foreach (char c in value)
        {
            switch (c)
            {
                case '\\':
                    builder.Append(@"\\");
                    break;
                case '"':
                    builder.Append("\\\"");
                    break;
                case '\n':
                    builder.Append(@"\n");
                    break;
                default:
                    builder.Append(c);
                    break;
            }
        }
    }

    /// <summary>HELP text: backslash and line feed escaped (double quotes are literal there).</summary>
    public static string HelpText(string? description) =>
        (description ?? string.Empty).Replace(@"\", @"\\", StringComparison.Ordinal).Replace("\n", @"\n", StringComparison.Ordinal);

    /// <summary>A tag value as text: invariant culture, booleans lower case, null empty.</summary>
    public static string TagValue(object? value) => value switch
    {
        null => string.Empty,
        string s => s,
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    /// <summary>A sample value: Go's ParseFloat syntax, with +Inf, -Inf and NaN spelled as Prometheus expects.</summary>
    public static string FormatValue(double value)
    {
        if (double.IsPositiveInfinity(value))
        {
            return "+Inf";
        }

        if (double.IsNegativeInfinity(value))
        {
            return "-Inf";
        }

        return double.IsNaN(value) ? "NaN" : value.ToString("R", CultureInfo.InvariantCulture);
    }

    /// <summary>The unit suffix: mapped UCUM units, <c>X/Y</c> as <c>X_per_Y</c>, annotations in braces dropped.</summary>
    public static string UnitSuffix(string? unit, bool isGauge)
    {
        if (string.IsNullOrEmpty(unit))
        {
            return string.Empty;
        }

        if (unit == "1")
        {
            return isGauge ? "ratio" : string.Empty;
        }

        int slash = unit.IndexOf('/', StringComparison.Ordinal);
        string first = Unit(slash < 0 ? unit : unit[..slash], Units);
        if (slash < 0)
        {
            return first;
        }

        string per = Unit(unit[(slash + 1)..], PerUnits);
        if (per.Length == 0)
        {
            return first;
        }

        return first.Length == 0 ? "per_" + per : first + "_per_" + per;

        static string Unit(string part, Dictionary<string, string> table)
        {
            part = StripAnnotations(part);
            if (part.Length == 0)
            {
                return string.Empty;
            }

            return table.TryGetValue(part, out string? mapped) ? mapped : Sanitize(part, allowColon: false).Trim('_');
        }
    }

    private static string StripAnnotations(string unit)
    {
        if (!unit.Contains('{', StringComparison.Ordinal))
        {
            return unit;
        }

        var builder = new StringBuilder(unit.Length);
        int depth = 0;
        foreach (char c in unit)
        {
            if (c == '{')
            {
                depth++;
            }
            else if (c == '}')
            {
                depth = Math.Max(0, depth - 1);
            }
            else if (depth == 0)
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    private static string Sanitize(string name, bool allowColon)
    {
        var builder = new StringBuilder(name.Length + 1);
        bool lastUnderscore = false;
        foreach (char c in name)
        {
            bool valid = char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':');
            char mapped = valid ? c : '_';

            // Runs of replaced characters collapse to one underscore ("a..b" → "a_b").
            if (mapped == '_' && lastUnderscore)
            {
                continue;
            }

            builder.Append(mapped);
            lastUnderscore = mapped == '_';
        }

        if (builder.Length == 0 || char.IsAsciiDigit(builder[0]))
        {
            builder.Insert(0, '_');
        }

        return builder.ToString();
    }
}
