using System.Text.Json;
using MqttHealth.Payloads.Clinical.V1;
using MqttHealth.Payloads.Sdk;

namespace MqttHealth.Payloads.Tests.Sdk;

/// <summary>Each Observation is checked against the R4 vital-signs profile's required elements.</summary>
public sealed class FhirVitalSignsTests
{
    private static SampleSet Set(string json) => ClinicalJson.Parse(System.Text.Encoding.UTF8.GetBytes(json), DateTimeOffset.UnixEpoch).Payload.SampleSet;

    private static List<JsonElement> Map(SampleSet set, FhirOptions? options = null) =>
        [.. FhirVitalSigns.ToObservations(set, options).Select(b => JsonDocument.Parse(b).RootElement.Clone())];

    /// <summary>vs-2 and the required elements: status, category vital-signs, code, subject, effective[x], value or dataAbsentReason or component.</summary>
    private static void AssertVitalSigns(JsonElement o)
    {
        Assert.Equal("Observation", o.GetProperty("resourceType").GetString());
        Assert.Contains(o.GetProperty("status").GetString(), new[] { "registered", "preliminary", "final", "amended", "corrected", "cancelled", "entered-in-error", "unknown" });
        JsonElement category = o.GetProperty("category").EnumerateArray().Single().GetProperty("coding").EnumerateArray().Single();
        Assert.Equal(("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs"), (category.GetProperty("system").GetString(), category.GetProperty("code").GetString()));
        Assert.NotEmpty(o.GetProperty("code").GetProperty("coding").EnumerateArray());
        Assert.True(o.GetProperty("subject").TryGetProperty("reference", out _) || o.GetProperty("subject").TryGetProperty("identifier", out _));
        Assert.True(DateTimeOffset.TryParse(o.GetProperty("effectiveDateTime").GetString(), out _));
        bool hasValue = o.TryGetProperty("valueQuantity", out JsonElement q);
        Assert.True(hasValue || o.TryGetProperty("dataAbsentReason", out _) || o.TryGetProperty("component", out _));
        if (hasValue)
        {
            AssertQuantity(q);
        }
    }

    private static void AssertQuantity(JsonElement q)
    {
        Assert.Equal(JsonValueKind.Number, q.GetProperty("value").ValueKind);
        Assert.Equal("http://unitsofmeasure.org", q.GetProperty("system").GetString());
        Assert.Equal(q.GetProperty("unit").GetString(), q.GetProperty("code").GetString());
    }

    private static string[] Codes(JsonElement o, string system) =>
        [.. o.GetProperty("code").GetProperty("coding").EnumerateArray().Where(c => c.GetProperty("system").GetString() == system).Select(c => c.GetProperty("code").GetString()!)];

    [Fact]
    public void ToObservations_EveryVital_MeetsTheVitalSignsProfileWithLoincAndMdc()
    {
        List<JsonElement> all = Map(Set("""{"patient":"0a0b","time":"2026-11-21T10:00:00Z","vitals":{"heart_rate":72,"spo2":97,"pulse_rate":71,"respiratory_rate":16,"nibp_mean":93,"body_temperature":36.6,"etco2":38}}"""));
        Assert.Equal(7, all.Count);
        foreach (JsonElement o in all)
        {
            AssertVitalSigns(o);
            Assert.Equal("final", o.GetProperty("status").GetString());
            Assert.Single(Codes(o, "urn:iso:std:iso:11073:10101"));
            Assert.Equal("2026-11-21T10:00:00.000Z", o.GetProperty("effectiveDateTime").GetString());
        }

        JsonElement hr = all[0];
        Assert.Equal(["8867-4"], Codes(hr, "http://loinc.org"));
        Assert.Equal("http://hl7.org/fhir/StructureDefinition/heartrate", hr.GetProperty("meta").GetProperty("profile")[0].GetString());
        Assert.Equal(("/min", 72m), (hr.GetProperty("valueQuantity").GetProperty("code").GetString(), hr.GetProperty("valueQuantity").GetProperty("value").GetDecimal()));
        Assert.Equal(["2708-6", "59408-5"], Codes(all[1], "http://loinc.org"));
        JsonElement temp = all.Single(o => Codes(o, "http://loinc.org").Contains("8310-5"));
        Assert.Equal(("Cel", 36.6m), (temp.GetProperty("valueQuantity").GetProperty("code").GetString(), temp.GetProperty("valueQuantity").GetProperty("value").GetDecimal()));
        Assert.Equal(("Patient", "0a0b"), (hr.GetProperty("subject").GetProperty("type").GetString(), hr.GetProperty("subject").GetProperty("identifier").GetProperty("value").GetString()));
    }

    [Fact]
    public void ToObservations_SystolicAndDiastolic_OneBloodPressurePanelWithComponents()
    {
        JsonElement bp = Map(Set("""{"patient":"0a","vitals":{"nibp_systolic":120,"nibp_diastolic":80}}""")).Single();
        AssertVitalSigns(bp);
        Assert.Equal(["85354-9"], Codes(bp, "http://loinc.org"));
        Assert.False(bp.TryGetProperty("valueQuantity", out _));
        JsonElement[] components = [.. bp.GetProperty("component").EnumerateArray()];
        Assert.Equal(["8480-6", "8462-4"], components.Select(c => Codes(c, "http://loinc.org").Single()));
        Assert.Equal([120m, 80m], components.Select(c => c.GetProperty("valueQuantity").GetProperty("value").GetDecimal()));
        foreach (JsonElement c in components)
        {
            AssertQuantity(c.GetProperty("valueQuantity"));
            Assert.Equal("mm[Hg]", c.GetProperty("valueQuantity").GetProperty("code").GetString());
        }
    }

    [Theory]
    [InlineData("valid", "final", null)]
    [InlineData("questionable", "preliminary", null)]
    [InlineData("calibrating", "preliminary", null)]
    [InlineData("invalid", "cancelled", "error")]
    [InlineData("unavailable", "cancelled", "not-performed")]
    public void ToObservations_MeasurementStatus_MapsToStatusAndAbsentReason(string status, string fhirStatus, string? absent)
    {
        JsonElement o = Map(Set($$$"""{"patient":"0a","vitals":{"heart_rate":72},"status":{"heart_rate":"{{{status}}}"}}""")).Single();
        AssertVitalSigns(o);
        Assert.Equal(fhirStatus, o.GetProperty("status").GetString());
        Assert.Equal(absent is null, o.TryGetProperty("valueQuantity", out _));
        if (absent is not null)
        {
            Assert.Equal(absent, o.GetProperty("dataAbsentReason").GetProperty("coding")[0].GetProperty("code").GetString());
        }
    }

    [Fact]
    public void ToObservations_ExtendedSample_UsesItsLoincAndUnit()
    {
        JsonElement o = Map(Set("""{"patient":"0a","extended":[{"loinc":"8302-2","mdc":188740,"ucum":"cm","value":172.5,"offsetMs":500}]}"""), new FhirOptions { PatientAsResourceId = true, Device = "mon-42" }).Single();
        AssertVitalSigns(o);
        Assert.Equal(["8302-2"], Codes(o, "http://loinc.org"));
        Assert.Equal(["188740"], Codes(o, "urn:iso:std:iso:11073:10101"));
        Assert.Equal("Patient/0a", o.GetProperty("subject").GetProperty("reference").GetString());
        Assert.Equal("1970-01-01T00:00:00.500Z", o.GetProperty("effectiveDateTime").GetString());
        Assert.Equal("mon-42", o.GetProperty("device").GetProperty("identifier").GetProperty("value").GetString());
    }

    [Fact]
    public void ToObservations_NoPatient_FormatExceptionAsTheProfileRequiresASubject()
    {
        Assert.Contains("subject", Assert.Throws<FormatException>(() => FhirVitalSigns.ToObservations(Set("""{"vitals":{"heart_rate":72}}"""))).Message, StringComparison.Ordinal);
    }
}
