using MqttHealth.EdgeAgent.Hosting;

// mqtthealth-agent [run|status|help] [options]. Everything is in Hosting/AgentProgram.cs; see docs/edge-agent.md.
return await AgentProgram.RunAsync(args, Console.Out, Console.Error);
