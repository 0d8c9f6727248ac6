using MqttHealth.Cli;

return CliProgram.Run(args, CliContext.FromConsole());
