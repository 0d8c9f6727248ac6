namespace MqttHealth.Payloads.Tests;

public class PayloadSchemaTests
{
    [Fact]
    public void TopicVersion_IsV1() => Assert.Equal("v1", PayloadSchema.TopicVersion);
}
