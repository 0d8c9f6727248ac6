namespace MqttHealth.Broker.Hosting;

/// <summary>Where the broker is in its life; /healthz answers 200 only in <see cref="Running"/>.</summary>
public enum BrokerState
{
    Starting = 0,
    Running = 1,
    Stopping = 2,
    Stopped = 3,
}
