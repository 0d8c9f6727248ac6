namespace MqttHealth.Payloads.Schema;

/// <summary>
/// Conversions between decimal values and the schema's scaled integers: decimal value = mantissa * 10^exponent.
/// Conversion to the wire is exact or refused: a value with more decimal places than the exponent allows is
/// rounded only when the caller asks for it, and a value out of the 32-bit range is refused.
/// </summary>
public static class ScaledValue
{
    /// <summary>The largest |exponent| the schema accepts (10^±18 still fits decimal arithmetic exactly).</summary>
    public const int MaxExponentMagnitude = 18;

    /// <summary>The decimal value of <paramref name="mantissa"/> * 10^<paramref name="exponent"/>, exactly.</summary>
    public static decimal ToDecimal(long mantissa, int exponent)
    {
        CheckExponent(exponent);
        return exponent >= 0 ? mantissa * Pow10(exponent) : mantissa / Pow10(-exponent);
    }

    /// <summary>
    /// The mantissa of <paramref name="value"/> at <paramref name="exponent"/>. Throws <see cref="ArgumentException"/>
    /// when the value has finer precision than the exponent (unless <paramref name="rounding"/> is given) or does not
    /// fit a 32-bit signed integer.
    /// </summary>
    public static int ToMantissa(decimal value, int exponent, MidpointRounding? rounding = null)
    {
        CheckExponent(exponent);
        var scaled = exponent >= 0 ? value / Pow10(exponent) : value * Pow10(-exponent);
        var whole = decimal.Truncate(scaled);
        if (whole != scaled)
        {
            if (rounding is not { } mode)
            {
                throw new ArgumentException(
                    $"{value} has more precision than 10^{exponent}; pass a rounding mode to round it.", nameof(value));
            }
            whole = decimal.Round(scaled, 0, mode);
        }
        if (whole < int.MinValue || whole > int.MaxValue)
        {
            throw new ArgumentException($"{value} at 10^{exponent} does not fit a 32-bit scaled integer.", nameof(value));
        }
        return (int)whole;
    }

    /// <summary>The value as a double, for display and arithmetic where exactness does not matter.</summary>
    public static double ToDouble(long mantissa, int exponent) => (double)ToDecimal(mantissa, exponent);

    private static decimal Pow10(int exponent)
    {
        decimal result = 1m;
        for (var i = 0; i < exponent; i++)
        {
            result *= 10m;
        }
        return result;
    }

    private static void CheckExponent(int exponent)
    {
        if (exponent is > MaxExponentMagnitude or < -MaxExponentMagnitude)
        {
            throw new ArgumentOutOfRangeException(nameof(exponent), exponent, $"Exponents are limited to ±{MaxExponentMagnitude}.");
        }
    }
}
