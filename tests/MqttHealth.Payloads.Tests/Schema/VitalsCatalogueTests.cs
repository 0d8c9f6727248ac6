using MqttHealth.Payloads.Clinical.V1;
using MqttHealth.Payloads.Schema;

namespace MqttHealth.Payloads.Tests.Schema;

public class VitalsCatalogueTests
{
    [Fact]
    public void Catalogue_EveryVitalCode_HasLoincMdcUcumAndExponent()
    {
        foreach (var code in Enum.GetValues<VitalCode>().Where(c => c != VitalCode.Unspecified))
        {
            var definition = VitalsCatalogue.Get(code);
            Assert.Equal(code, definition.Code);
            Assert.Matches("^[0-9]{1,7}-[0-9]$", definition.Loinc);
            Assert.Equal(2u, definition.MdcCode >> 16); // partition SCADA
            Assert.StartsWith("MDC_", definition.MdcReferenceId, StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(definition.Ucum));
            Assert.False(string.IsNullOrWhiteSpace(definition.DisplayName));
            Assert.InRange(definition.Exponent, -3, 0);
        }
        Assert.Equal(Enum.GetValues<VitalCode>().Length - 1, VitalsCatalogue.All.Count);
    }

    [Fact]
    public void Catalogue_LoincCodes_CarryValidCheckDigits()
    {
        foreach (var definition in VitalsCatalogue.All)
        {
            var parts = definition.Loinc.Split('-');
            Assert.Equal(LoincCheckDigit(parts[0]), parts[1][0] - '0');
        }
    }

    [Fact]
    public void Catalogue_Codes_AreUniqueAndFoundBack()
    {
        Assert.Equal(VitalsCatalogue.All.Count, VitalsCatalogue.All.Select(d => d.Loinc).Distinct().Count());
        Assert.Equal(VitalsCatalogue.All.Count, VitalsCatalogue.All.Select(d => d.MdcCode).Distinct().Count());
        foreach (var definition in VitalsCatalogue.All)
        {
            Assert.True(VitalsCatalogue.TryFindByLoinc(definition.Loinc, out var byLoinc));
            Assert.True(VitalsCatalogue.TryFindByMdc(definition.MdcCode, out var byMdc));
            Assert.Equal(definition.Code, byLoinc);
            Assert.Equal(definition.Code, byMdc);
        }
    }

    [Fact]
    public void Catalogue_EveryWaveformCode_HasMdcUcumAndExponent()
    {
        foreach (var code in Enum.GetValues<WaveformCode>().Where(c => c != WaveformCode.Unspecified))
        {
            var definition = VitalsCatalogue.Get(code);
            Assert.Equal(code, definition.Code);
            Assert.StartsWith("MDC_", definition.MdcReferenceId, StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(definition.Ucum));
        }
        Assert.Equal(Enum.GetValues<WaveformCode>().Length - 1, VitalsCatalogue.AllWaveforms.Count);
    }

    [Fact]
    public void Catalogue_CodeOutsideCatalogue_Refused()
    {
        Assert.False(VitalsCatalogue.TryGet((VitalCode)200, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => VitalsCatalogue.Get((VitalCode)200));
        Assert.Throws<ArgumentOutOfRangeException>(() => VitalsCatalogue.Get(VitalCode.Unspecified));
    }

    [Theory]
    [InlineData("37.2", -1, 372)]
    [InlineData("72", 0, 72)]
    [InlineData("-0.125", -3, -125)]
    [InlineData("1200", 2, 12)]
    public void ScaledValue_ExactDecimal_RoundTrips(string text, int exponent, int mantissa)
    {
        var value = decimal.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(mantissa, ScaledValue.ToMantissa(value, exponent));
        Assert.Equal(value, ScaledValue.ToDecimal(mantissa, exponent));
    }

    [Fact]
    public void ScaledValue_MorePrecisionThanExponent_RefusedUnlessRounding()
    {
        Assert.Throws<ArgumentException>(() => ScaledValue.ToMantissa(37.25m, -1));
        Assert.Equal(372, ScaledValue.ToMantissa(37.25m, -1, MidpointRounding.ToEven));
    }

    [Fact]
    public void ScaledValue_OutOfInt32Range_Refused()
    {
        var error = Assert.Throws<ArgumentException>(() => ScaledValue.ToMantissa(3_000_000_000m, 0));

        Assert.Contains("32-bit", error.Message, StringComparison.Ordinal);
    }

    // LOINC's mod-10 check digit: the digits in odd positions from the right, as a number, doubled; prefixed by the
    // digits in even positions; the digit sum's distance to the next multiple of ten.
    private static int LoincCheckDigit(string number)
    {
        var odd = "";
        var even = "";
        for (var i = 0; i < number.Length; i++)
        {
            var positionFromRight = number.Length - i;
            if (positionFromRight % 2 == 1)
            {
                odd += number[i];
            }
            else
            {
                even += number[i];
            }
        }
        var combined = even + (long.Parse(odd, System.Globalization.CultureInfo.InvariantCulture) * 2).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var sum = combined.Sum(c => c - '0');
        return (10 - (sum % 10)) % 10;
    }
}
