using MqttHealth.Payloads.Clinical.V1;
using MqttHealth.Payloads.Schema;
using MqttHealth.Payloads.Sdk;

namespace MqttHealth.Bench.PayloadSizes;

/// <summary>
/// A message as FHIR R4 JSON, for its size: the SDK's vital-signs Observations (<see cref="FhirVitalSigns"/>, what
/// <c>mqtthealth sub --fhir</c> prints) gathered in one minified Bundle of type "collection" per message (a batch:
/// every set's Observations in one Bundle).
/// </summary>
internal static class FhirJson
{
    private static readonly byte[] Head = """{"resourceType":"Bundle","type":"collection","entry":["""u8.ToArray();
    private static readonly byte[] EntryHead = """{"resource":"""u8.ToArray();

    public static int SampleSet(SampleSet set) => Bundle([set]);

    public static int Batch(SampleBatch batch) => Bundle(SampleSets.FromBatch(batch));

    // The Bundle's size without building it: the wrapper, each entry's wrapper and the commas between entries.
    private static int Bundle(IEnumerable<SampleSet> sets)
    {
        int size = Head.Length + 2; // and "]}"
        int entries = 0;
        foreach (SampleSet set in sets)
        {
            foreach (byte[] observation in FhirVitalSigns.ToObservations(set))
            {
                size += EntryHead.Length + observation.Length + 1;
                entries++;
            }
        }

        return size + Math.Max(0, entries - 1);
    }
}
