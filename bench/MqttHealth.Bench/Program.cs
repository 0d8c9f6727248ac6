using BenchmarkDotNet.Running;

// `dotnet run -c Release --project bench/MqttHealth.Bench -- --filter '*'` runs every benchmark;
// BenchmarkSwitcher lists them when no filter is given.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
