using Google.Protobuf;
using MqttHealth.Payloads.Clinical.V1;
using MqttHealth.Payloads.Schema;
using MqttHealth.Payloads.Sdk;
using MqttHealth.Payloads.Tests.Keys;

namespace MqttHealth.Payloads.Tests.Sdk;

/// <summary>The context rule on the receiving side: resolve by the same sender's number, hold what is unknown, never guess.</summary>
public sealed class PatientContextResolverTests
{
    private static readonly ByteString Alice = ByteString.CopyFromUtf8("alice-01");
    private static readonly ByteString Bob = ByteString.CopyFromUtf8("bob-0002");
    private readonly ManualTime _time = new(KeyTestSupport.Start);
    private uint _sequence;

    private ReceivedMessage Message(ClinicalPayload payload, string sender = "mon-42") =>
        new(ClinicalTopic.Create("f1", "icu-2", sender, ClinicalStreams.For(payload)), sender, 1, _sequence++, payload.KindCase == ClinicalPayload.KindOneofCase.PatientContext, payload);

    private ReceivedMessage Context(uint number, ByteString patient, string sender = "mon-42") =>
        Message(new ClinicalPayload { PatientContext = new PatientContext { Number = number, PatientRef = patient, SinceMs = 1000 * number } }, sender);

    private ReceivedMessage Set(uint context, int heartRate = 72, string sender = "mon-42", ByteString? patient = null)
    {
        var set = new SampleSet { Context = context, PatientRef = patient ?? ByteString.Empty, TimeMs = 1_790_000_000_000 };
        SampleSets.Add(set, VitalsCatalogue.HeartRate, heartRate);
        return Message(new ClinicalPayload { SampleSet = set }, sender);
    }

    [Fact]
    public void KnownContext_SetIsAttributedToItsPatient()
    {
        var resolver = new PatientContextResolver(time: _time);
        resolver.Accept(Context(1, Alice));

        ContextResolution result = resolver.Accept(Set(1));

        Assert.Equal(Alice, Assert.Single(result.Ready).Set.PatientRef);
        Assert.Empty(result.Refused);
    }

    [Fact]
    public void UnknownContext_SetIsHeldThenReleasedWhenTheContextArrives()
    {
        var resolver = new PatientContextResolver(time: _time);

        ContextResolution held = resolver.Accept(Set(1, heartRate: 70));
        resolver.Accept(Set(1, heartRate: 71));
        Assert.Empty(held.Ready);
        Assert.Equal(2, resolver.HeldCount);

        ContextResolution released = resolver.Accept(Context(1, Alice));

        Assert.Equal([70, 71], released.Ready.Select(r => r.Set.Values[0]));
        Assert.All(released.Ready, r => Assert.Equal(Alice, r.Set.PatientRef));
        Assert.Equal(0, resolver.HeldCount);
    }

    [Fact]
    public void SetOfAnUnknownContext_NeverTakesTheLatestKnownContext()
    {
        var resolver = new PatientContextResolver(time: _time);
        resolver.Accept(Context(1, Alice));

        // Context 2 (Bob) has not arrived: the set must not go to Alice, the context that is known.
        ContextResolution result = resolver.Accept(Set(2));

        Assert.Empty(result.Ready);
        Assert.Equal(1, resolver.HeldCount);
        Assert.Equal(Bob, Assert.Single(resolver.Accept(Context(2, Bob)).Ready).Set.PatientRef);
    }

    [Fact]
    public void ContextOfAnotherSender_DoesNotResolveTheSet()
    {
        var resolver = new PatientContextResolver(time: _time);
        resolver.Accept(Context(1, Alice, sender: "mon-43"));

        Assert.Empty(resolver.Accept(Set(1, sender: "mon-42")).Ready);
        Assert.Equal(1, resolver.HeldCount);
    }

    [Fact]
    public void HeldSetsOverflow_OldestRefusedAsNeverAttributed()
    {
        var resolver = new PatientContextResolver(new PatientContextOptions { MaxHeldSetsPerSender = 2 }, _time);
        resolver.Accept(Set(5, heartRate: 70));
        resolver.Accept(Set(5, heartRate: 71));

        ContextResolution third = resolver.Accept(Set(5, heartRate: 72));

        UnattributedSet refused = Assert.Single(third.Refused);
        Assert.Equal(70, refused.Set.Values[0]);
        Assert.Contains("no patient context 5 from sender 'mon-42'", refused.Reason, StringComparison.Ordinal);
        Assert.True(refused.Set.PatientRef.IsEmpty);
        Assert.Equal(2, resolver.HeldCount);
    }

    [Fact]
    public void HeldSetPastTheHoldTime_Refused()
    {
        var resolver = new PatientContextResolver(new PatientContextOptions { MaxHoldTime = TimeSpan.FromMinutes(10) }, _time);
        resolver.Accept(Set(3));
        _time.Advance(TimeSpan.FromMinutes(9));
        Assert.Empty(resolver.Expire());

        _time.Advance(TimeSpan.FromMinutes(1));

        Assert.Contains("no patient context 3", Assert.Single(resolver.Expire()).Reason, StringComparison.Ordinal);
        Assert.Empty(resolver.Accept(Context(3, Alice)).Ready); // too late: it was refused, not attributed afterwards
    }

    [Fact]
    public void ContextZeroWithoutPatient_ReadingBelongsToNoPatient()
    {
        var resolver = new PatientContextResolver(time: _time);

        AttributedSet ready = Assert.Single(resolver.Accept(Set(0)).Ready);

        Assert.True(ready.Set.PatientRef.IsEmpty);
    }

    [Fact]
    public void ContextWithoutPatient_SetsBelongToNoPatient()
    {
        var resolver = new PatientContextResolver(time: _time);
        resolver.Accept(Context(4, ByteString.Empty)); // discharged

        Assert.True(Assert.Single(resolver.Accept(Set(4)).Ready).Set.PatientRef.IsEmpty);
    }

    [Fact]
    public void PatientRefInTheSet_WinsOverItsContext()
    {
        var resolver = new PatientContextResolver(time: _time);
        resolver.Accept(Context(1, Alice));

        Assert.Equal(Bob, Assert.Single(resolver.Accept(Set(1, patient: Bob)).Ready).Set.PatientRef);
    }

    [Fact]
    public void SameContextAgain_Retained_ChangesNothing()
    {
        var resolver = new PatientContextResolver(time: _time);
        resolver.Accept(Context(1, Alice));

        ContextResolution again = resolver.Accept(Context(1, Alice));

        Assert.Empty(again.Errors);
        Assert.Equal(Alice, Assert.Single(resolver.Accept(Set(1)).Ready).Set.PatientRef);
    }

    [Fact]
    public void ContextNumberRedefinedWithAnotherPatient_SetsNamingItAreRefused()
    {
        var resolver = new PatientContextResolver(time: _time);
        resolver.Accept(Context(1, Alice));

        ContextResolution conflict = resolver.Accept(Context(1, Bob));
        ContextResolution set = resolver.Accept(Set(1));

        Assert.Contains("defined twice", Assert.Single(conflict.Errors), StringComparison.Ordinal);
        Assert.Empty(set.Ready);
        Assert.Contains("defined twice", Assert.Single(set.Refused).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Batch_SetsInheritTheBatchContext()
    {
        var resolver = new PatientContextResolver(time: _time);
        resolver.Accept(Context(7, Alice));
        var sets = new[] { new SampleSet { Context = 7, TimeMs = 1000 }, new SampleSet { Context = 7, TimeMs = 2000 } };
        foreach (var s in sets)
        {
            SampleSets.Add(s, VitalsCatalogue.Spo2, 97m);
        }

        ContextResolution result = resolver.Accept(Message(new ClinicalPayload { SampleBatch = SampleSets.ToBatch(sets, 7, ByteString.Empty) }));

        Assert.Equal([0, 1], result.Ready.Select(r => r.Index));
        Assert.All(result.Ready, r => Assert.Equal(Alice, r.Set.PatientRef));
        Assert.Equal([1000UL, 2000UL], result.Ready.Select(r => r.Set.TimeMs));
    }

    [Fact]
    public void OldContexts_RememberedWithinTheBound_SoLateSetsStillResolve()
    {
        var resolver = new PatientContextResolver(new PatientContextOptions { RememberedContextsPerSender = 2 }, _time);
        resolver.Accept(Context(1, Alice));
        resolver.Accept(Context(2, Bob));
        Assert.Equal(Alice, Assert.Single(resolver.Accept(Set(1)).Ready).Set.PatientRef); // a late set from the outbox

        resolver.Accept(Context(3, Alice));

        Assert.False(resolver.TryGetContext("mon-42", 1, out _));
        Assert.Empty(resolver.Accept(Set(1)).Ready); // forgotten: held (and refused in time), never guessed
    }
}
