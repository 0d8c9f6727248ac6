// The broker is built by the broker-core issue; until then this entry point says so plainly
// instead of pretending to run.
Console.Error.WriteLine("mqtthealth-broker: the broker is not built yet (see the broker-core issue). The MQTT codec and client live in mqtt/.");
return 2;
