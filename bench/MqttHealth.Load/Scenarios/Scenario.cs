using MqttHealth.Mqtt.Protocol;

namespace MqttHealth.Bench.Load.Scenarios;

/// <summary>Who publishes to whom.</summary>
internal enum Shape
{
    /// <summary>One publisher, one subscriber on its topic.</summary>
    OneToOne,

    /// <summary>Many publishers, each on its own topic; one subscriber on a <c>+</c> filter over all of them.</summary>
    FanIn,

    /// <summary>One publisher; many subscribers on its topic, so each PUBLISH is delivered to every one.</summary>
    FanOut,
}

/// <summary>One cell of the matrix: a shape, a QoS (used for the PUBLISH and the subscription) and a payload size.</summary>
internal sealed record Scenario(Shape Shape, QualityOfService QoS, int PayloadBytes, int Fan)
{
    /// <summary>The smallest payload: the 8-byte send timestamp, the 4-byte publisher index and the 8-byte sequence number.</summary>
    public const int HeaderBytes = 20;

    public int Publishers => Shape == Shape.FanIn ? Fan : 1;

    public int Subscribers => Shape == Shape.FanOut ? Fan : 1;

    /// <summary>How many deliveries one PUBLISH makes.</summary>
    public int DeliveriesPerPublish => Subscribers;

    public string ShapeName => Shape switch
    {
        Shape.OneToOne => "1:1",
        Shape.FanIn => $"fan-in {Fan}:1",
        Shape.FanOut => $"fan-out 1:{Fan}",
        _ => Shape.ToString(),
    };

    public string Name => $"{ShapeName} QoS {(int)QoS} {PayloadName}";

    public string PayloadName => PayloadBytes >= 1024 && PayloadBytes % 1024 == 0 ? $"{PayloadBytes / 1024} KB" : $"{PayloadBytes} B";

    /// <summary>The matrix: 1:1, fan-in and fan-out, each at QoS 0, 1 and 2, with 64-byte and 1 KB payloads.</summary>
    public static IReadOnlyList<Scenario> Matrix(int fan, IReadOnlyList<int> payloadSizes)
    {
        var scenarios = new List<Scenario>();
        foreach (Shape shape in new[] { Shape.OneToOne, Shape.FanIn, Shape.FanOut })
        {
            foreach (QualityOfService qos in new[] { QualityOfService.AtMostOnce, QualityOfService.AtLeastOnce, QualityOfService.ExactlyOnce })
            {
                foreach (int size in payloadSizes)
                {
                    scenarios.Add(new Scenario(shape, qos, size, fan));
                }
            }
        }

        return scenarios;
    }
}
