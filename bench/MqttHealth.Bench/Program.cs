using BenchmarkDotNet.Running;
using MqttHealth.Bench.Payloads;

// `dotnet run -c Release --project bench/MqttHealth.Bench -- --filter '*'` runs every benchmark;
// BenchmarkSwitcher lists them when no filter is given.
// `dotnet run -c Release --project bench/MqttHealth.Bench -- throughput` measures envelope seal + open per core by
// CPU time (bench/RESULTS.md, "Payloads: envelope seal + open per core").
if (args is ["throughput", .. var rest])
{
    return SealOpenThroughput.Run(rest);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
