using MqttHealth.Payloads.Schema;

namespace MqttHealth.Payloads.Tests.Schema;

public class VitalsCatalogueTests
{
    [Fact]
    public void Catalogue_EveryVital_HasNameLoincMdcUcumAndExponent()
    {
        foreach (var definition in VitalsCatalogue.All)
        {
            Assert.Matches("^[a-z0-9_]+$", definition.Name);
            Assert.Matches("^[0-9]{1,7}-[0-9]$", definition.Loinc);
            Assert.Equal(2u, definition.MdcCode >> 16); // partition SCADA
            Assert.StartsWith("MDC_", definition.MdcReferenceId, StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(definition.Ucum));
            Assert.False(string.IsNullOrWhiteSpace(definition.DisplayName));
            Assert.InRange(definition.Exponent, -3, 0);
        }
        Assert.Equal(9, VitalsCatalogue.All.Count);
    }

    [Theory]
    [InlineData("heart_rate", "8867-4", 147842u, "/min")]
    [InlineData("spo2", "59408-5", 150456u, "%")]
    [InlineData("pulse_rate", "8889-8", 149530u, "/min")]
    [InlineData("respiratory_rate", "9279-1", 151562u, "/min")]
    [InlineData("nibp_systolic", "8480-6", 150021u, "mm[Hg]")]
    [InlineData("nibp_diastolic", "8462-4", 150022u, "mm[Hg]")]
    [InlineData("nibp_mean", "8478-0", 150023u, "mm[Hg]")]
    [InlineData("body_temperature", "8310-5", 150364u, "Cel")]
    [InlineData("etco2", "19891-1", 151708u, "mm[Hg]")] // partial pressure; 19889-5 is the volume fraction (%)
    public void Catalogue_Vital_HasTheCodesOfItsSources(string name, string loinc, uint mdc, string ucum)
    {
        var definition = VitalsCatalogue.Get(name);

        Assert.Equal((loinc, mdc, ucum), (definition.Loinc, definition.MdcCode, definition.Ucum));
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
    public void Catalogue_Codes_AreUniqueAndFoundBackByEveryKey()
    {
        Assert.Equal(VitalsCatalogue.All.Count, VitalsCatalogue.All.Select(d => d.Loinc).Distinct().Count());
        Assert.Equal(VitalsCatalogue.All.Count, VitalsCatalogue.All.Select(d => d.MdcCode).Distinct().Count());
        Assert.Equal(VitalsCatalogue.All.Count, VitalsCatalogue.All.Select(d => d.Name).Distinct().Count());
        foreach (var definition in VitalsCatalogue.All)
        {
            Assert.True(VitalsCatalogue.TryFindByLoinc(definition.Loinc, out var byLoinc));
            Assert.True(VitalsCatalogue.TryFindByMdc(definition.MdcCode, out var byMdc));
            Assert.True(VitalsCatalogue.TryFindByName(definition.Name, out var byName));
            Assert.True(VitalsCatalogue.TryFind(definition.MdcCode, definition.Loinc, definition.Ucum, out var bySample));
            Assert.Same(definition, byLoinc);
            Assert.Same(definition, byMdc);
            Assert.Same(definition, byName);
            Assert.Same(definition, bySample);
        }
    }

    [Fact]
    public void Catalogue_SampleWithOnlyOneCode_StillFound()
    {
        Assert.True(VitalsCatalogue.TryFind(0, "8867-4", "/min", out var byLoinc));
        Assert.True(VitalsCatalogue.TryFind(147842, "", "/min", out var byMdc));
        Assert.Same(VitalsCatalogue.HeartRate, byLoinc);
        Assert.Same(VitalsCatalogue.HeartRate, byMdc);
    }

    [Theory]
    [InlineData(147842u, "8889-8", "/min")]  // the codes of two different vitals
    [InlineData(150364u, "8310-5", "[degF]")] // another unit: not the catalogue's row (the sample still says what it is)
    [InlineData(0u, "", "/min")]
    public void Catalogue_SampleThatDisagreesWithEveryRow_NotFound(uint mdc, string loinc, string ucum)
    {
        Assert.False(VitalsCatalogue.TryFind(mdc, loinc, ucum, out _));
    }

    [Fact]
    public void Catalogue_Waveforms_HaveMdcUcumAndExponent()
    {
        foreach (var definition in VitalsCatalogue.AllWaveforms)
        {
            Assert.StartsWith("MDC_", definition.MdcReferenceId, StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(definition.Ucum));
            Assert.True(VitalsCatalogue.TryFindWaveform(definition.MdcCode, out var found));
            Assert.Same(definition, found);
        }
        Assert.Equal([131329u, 131330u, 131389u, 150452u], VitalsCatalogue.AllWaveforms.Select(w => w.MdcCode));
    }

    [Fact]
    public void Catalogue_NameOutsideCatalogue_Refused()
    {
        Assert.False(VitalsCatalogue.TryFindByName("heart_rte", out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => VitalsCatalogue.Get("heart_rte"));
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
