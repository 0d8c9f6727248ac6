using MqttHealth.Broker.Security.Authorization;

namespace MqttHealth.Broker.Tests.Security.Authorization;

/// <summary>
/// The publish check runs for every PUBLISH: once the connection's policy is compiled it must allocate nothing.
/// Counted with the runtime's exact per-thread allocation counter, so the test asserts bytes, not time.
/// </summary>
public class AuthorizationAllocationTests
{
    private static readonly string[] Topics =
    [
        "mh/v1/f1/u1/dev42/vitals", // allowed
        "mh/v1/f1/u1/dev42/status", // allowed, also retained
        "mh/v1/f1/u1/dev43/vitals", // default deny
        "$SYS/broker/load", // '$' rule
        "mh/+/bad", // invalid
        "mh/" + string.Join('/', Enumerable.Range(0, 64).Select(i => "l" + i)), // deep
    ];

    [Fact]
    public void AuthorizePublish_CompiledPolicy_AllocatesNothing()
    {
        CompiledPolicy compiled = AuthorizationPolicy.Parse(Policies.Hospital).Compile(Policies.Device(), "dev42");
        int allowed = Run(compiled); // warm up

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            allowed += Run(compiled);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(1001 * 3, allowed);
        Assert.Equal(0, allocated);
    }

    private static int Run(CompiledPolicy compiled)
    {
        int allowed = 0;
        foreach (string topic in Topics)
        {
            allowed += compiled.AuthorizePublish(topic, retain: false).Allowed ? 1 : 0;
            allowed += compiled.Authorize(TopicAction.Retain, topic).Allowed ? 1 : 0;
        }

        return allowed;
    }
}
