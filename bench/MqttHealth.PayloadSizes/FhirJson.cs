using MqttHealth.Payloads.Clinical.V1;
using MqttHealth.Payloads.Schema;
using MqttHealth.Payloads.Sdk;

namespace MqttHealth.Bench.PayloadSizes;

/// <summary>
/// A message as FHIR R4 JSON, for its size: the SDK's vital-signs Observations (<see cref="FhirVitalSigns"/>, what
/// <c>mqtthealth sub --fhir</c> prints) gathered in one minified Bundle of type "collection" per message (a batch:
/// every set's Observations in one Bundle). The sets refer to a patient context; the patient it names is filled in
/// first, as a receiver's <see cref="PatientContextResolver"/> does.
/// </summary>
internal static class FhirJson
{
    private static readonly byte[] Head = """{"resourceType":"Bundle","type":"collection","entry":["""u8.ToArray();
    private static readonly byte[] EntryHead = """{"resource":"""u8.ToArray();

    public static int SampleSet(SampleSet set, Google.Protobuf.ByteString patient) => Bundle([set], patient);

    public static int Batch(SampleBatch batch, Google.Protobuf.ByteString patient) => Bundle(SampleSets.FromBatch(batch), patient);

    // The Bundle's size without building it: the wrapper, each entry's wrapper and the commas between entries.
    private static int Bundle(IEnumerable<SampleSet> sets, Google.Protobuf.ByteString patient)
    {
        int size = Head.Length + 2; // and "]}"
        int entries = 0;
        foreach (SampleSet original in sets)
        {
            SampleSet set = original.PatientRef.IsEmpty ? new SampleSet(original) { PatientRef = patient } : original;
            foreach (byte[] observation in FhirVitalSigns.ToObservations(set))
            {
                size += EntryHead.Length + observation.Length + 1;
                entries++;
            }
        }

        return size + Math.Max(0, entries - 1);
    }
}
