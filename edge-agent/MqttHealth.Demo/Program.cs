using MqttHealth.Demo;

return await DemoProgram.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
