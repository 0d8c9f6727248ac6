using MqttHealth.Broker.Hosting;

// mqtthealth-broker [options] | recover --data DIR | --help. Everything is in Hosting/BrokerProgram.cs; see
// docs/broker-configuration.md.
return await BrokerProgram.RunAsync(args, Console.Out, Console.Error);
