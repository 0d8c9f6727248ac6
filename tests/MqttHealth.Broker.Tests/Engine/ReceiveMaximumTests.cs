using MqttHealth.Broker.Tests.Infrastructure;
using MqttHealth.Mqtt.Packets;
using MqttHealth.Mqtt.Protocol;
using static MqttHealth.Broker.Tests.Infrastructure.EngineClients;

namespace MqttHealth.Broker.Tests.Engine;

/// <summary>
/// Receive Maximum in both directions (5.0 §4.9). Towards a client, a QoS 0 marker shows what the broker has
/// sent so far: QoS 0 is not subject to the window, so when the marker arrives every QoS 1/2 message
/// published before it has either been sent or is held back by the window.
/// </summary>
public class ReceiveMaximumTests
{
    [Fact]
    public async Task ClientReceiveMaximum_Qos1_NeverMoreUnacknowledgedThanTheWindow()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        await using var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId(), receiveMaximum: 2));
        await raw.SubscribeAsync(topic, QualityOfService.AtLeastOnce);
        await using var publisher = await ConnectAsync(broker);

        for (int i = 1; i <= 5; i++)
        {
            await publisher.PublishAsync(topic, Bytes("m" + i), QualityOfService.AtLeastOnce);
        }

        await publisher.PublishAsync(topic, Bytes("marker1"), QualityOfService.AtMostOnce);

        // [MQTT-3.3.4-9]: two unacknowledged, then the window is shut.
        var m1 = await raw.ExpectPublishAsync();
        var m2 = await raw.ExpectPublishAsync();
        Assert.Equal(["m1", "m2", "marker1"], [Text(m1.Payload), Text(m2.Payload), Text((await raw.ExpectPublishAsync()).Payload)]);

        // One acknowledgement opens exactly one slot.
        await raw.SendAsync(new PubAckPacket { PacketId = m1.PacketId });
        var m3 = await raw.ExpectPublishAsync();
        Assert.Equal("m3", Text(m3.Payload));
        await publisher.PublishAsync(topic, Bytes("marker2"), QualityOfService.AtMostOnce);
        Assert.Equal("marker2", Text((await raw.ExpectPublishAsync()).Payload));

        await raw.SendAsync(new PubAckPacket { PacketId = m2.PacketId });
        await raw.SendAsync(new PubAckPacket { PacketId = m3.PacketId });
        Assert.Equal("m4", Text((await raw.ExpectPublishAsync()).Payload));
        Assert.Equal("m5", Text((await raw.ExpectPublishAsync()).Payload));
    }

    [Fact]
    public async Task ClientReceiveMaximum_Qos2_SlotHeldUntilPubComp()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        await using var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId(), receiveMaximum: 1));
        await raw.SubscribeAsync(topic, QualityOfService.ExactlyOnce);
        await using var publisher = await ConnectAsync(broker);
        await publisher.PublishAsync(topic, Bytes("first"), QualityOfService.ExactlyOnce);
        await publisher.PublishAsync(topic, Bytes("second"), QualityOfService.ExactlyOnce);

        var first = await raw.ExpectPublishAsync();
        Assert.Equal("first", Text(first.Payload));
        await raw.SendAsync(new PubRecPacket { PacketId = first.PacketId });
        Assert.Equal(first.PacketId, (await raw.ExpectAsync<PubRelPacket>()).PacketId);

        // PUBREC is not the end of the exchange: the slot stays taken until PUBCOMP (5.0 §4.9).
        await publisher.PublishAsync(topic, Bytes("marker"), QualityOfService.AtMostOnce);
        Assert.Equal("marker", Text((await raw.ExpectPublishAsync()).Payload));

        await raw.SendAsync(new PubCompPacket { PacketId = first.PacketId });
        Assert.Equal("second", Text((await raw.ExpectPublishAsync()).Payload));
    }

    [Fact]
    public async Task ClientReceiveMaximum_PubRecWithFailureCode_FreesTheSlot()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        await using var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId(), receiveMaximum: 1));
        await raw.SubscribeAsync(topic, QualityOfService.ExactlyOnce);
        await using var publisher = await ConnectAsync(broker);
        await publisher.PublishAsync(topic, Bytes("refused"), QualityOfService.ExactlyOnce);
        await publisher.PublishAsync(topic, Bytes("next"), QualityOfService.ExactlyOnce);

        var refused = await raw.ExpectPublishAsync();
        await raw.SendAsync(new PubRecPacket { PacketId = refused.PacketId, ReasonCode = ReasonCode.ImplementationSpecificError });

        // A PUBREC of 0x80 or more ends the exchange without PUBREL and frees the slot [MQTT-3.3.4-9].
        Assert.Equal("next", Text((await raw.ExpectPublishAsync()).Payload));
    }

    [Fact]
    public async Task ClientReceiveMaximum_ResumedWithSmallerWindow_ResendsOnlyWhatTheNewWindowAllows()
    {
        await using var broker = InProcessBroker.Start();
        var topic = NewTopic();
        var clientId = NewClientId();
        await using var publisher = await ConnectAsync(broker);
        await using (var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(clientId, cleanStart: false, sessionExpiry: 300, receiveMaximum: 3)))
        {
            await raw.SubscribeAsync(topic, QualityOfService.AtLeastOnce);
            for (int i = 1; i <= 3; i++)
            {
                await publisher.PublishAsync(topic, Bytes("m" + i), QualityOfService.AtLeastOnce);
            }

            for (int i = 1; i <= 3; i++)
            {
                await raw.ExpectPublishAsync();
            }

            raw.Abort();
        }

        await Eventually.ClientsConnectedAsync(broker, 1);
        await using var resumed = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(clientId, cleanStart: false, sessionExpiry: 300, receiveMaximum: 1));
        Assert.True(resumed.LastConnAck!.SessionPresent);
        await publisher.PublishAsync(topic, Bytes("marker"), QualityOfService.AtMostOnce);

        // [MQTT-4.4.0-1] resend, but within the new connection's window [MQTT-3.3.4-9]: the send quota is
        // re-initialised per connection (5.0 §4.9), so one resend, then the QoS 0 marker.
        var resent = await resumed.ExpectPublishAsync();
        Assert.Equal("m1", Text(resent.Payload));
        Assert.True(resent.Dup);
        var next = await resumed.ExpectPublishAsync();
        Assert.Equal("marker", Text(next.Payload));

        await resumed.SendAsync(new PubAckPacket { PacketId = resent.PacketId });
        var second = await resumed.ExpectPublishAsync();
        Assert.Equal("m2", Text(second.Payload));
        Assert.True(second.Dup);
    }

    [Fact]
    public async Task ServerReceiveMaximum_ClientExceedsWithUnreleasedQos2_Disconnect0x93()
    {
        await using var broker = InProcessBroker.Start(o => o.ReceiveMaximum = 2);
        var topic = NewTopic();
        await using var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId()));
        Assert.Equal((ushort)2, raw.LastConnAck!.Properties?.ReceiveMaximum);

        // QoS 2 without PUBREL: each stays unacknowledged (no PUBCOMP) and counts against our window.
        for (ushort id = 1; id <= 2; id++)
        {
            await raw.PublishAsync(topic, "p" + id, QualityOfService.ExactlyOnce, id);
            Assert.Equal(id, (await raw.ExpectAsync<PubRecPacket>()).PacketId);
        }

        await raw.PublishAsync(topic, "p3", QualityOfService.ExactlyOnce, 3);

        // [MQTT-3.3.4-9] on the client's side; the server answers with DISCONNECT 0x93 (5.0 §4.9).
        await raw.ExpectDisconnectAndCloseAsync(ReasonCode.ReceiveMaximumExceeded);
    }

    [Fact]
    public async Task ServerReceiveMaximum_PubRelFreesASlot_NextPublishAccepted()
    {
        await using var broker = InProcessBroker.Start(o => o.ReceiveMaximum = 1);
        var topic = NewTopic();
        await using var raw = await RawMqttConnection.ConnectedAsync(broker.Port, RawMqttConnection.Connect(NewClientId()));

        await raw.PublishAsync(topic, "p1", QualityOfService.ExactlyOnce, 1);
        await raw.ExpectAsync<PubRecPacket>();
        await raw.SendAsync(new PubRelPacket { PacketId = 1 });
        Assert.Equal(ReasonCode.Success, (await raw.ExpectAsync<PubCompPacket>()).ReasonCode);
        await raw.PublishAsync(topic, "p2", QualityOfService.ExactlyOnce, 2);

        Assert.Equal((ushort)2, (await raw.ExpectAsync<PubRecPacket>()).PacketId);
    }
}
