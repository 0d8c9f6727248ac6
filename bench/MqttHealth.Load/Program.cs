using MqttHealth.Bench.Load;

// mqtthealth-load: see LoadOptions.Usage, bench/README.md and docs/benchmarks.md.
LoadOptions options;
try
{
    options = LoadOptions.Parse(args);
}
catch (FormatException ex)
{
    Console.Error.WriteLine($"mqtthealth-load: {ex.Message}");
    return 2;
}

if (options.Help)
{
    Console.WriteLine(LoadOptions.Usage);
    return 0;
}

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // Ctrl-C: stop after the current run, kill the brokers, write nothing.
    e.Cancel = true;
    cancellation.Cancel();
};

return await new Comparison(options).RunAsync(cancellation.Token).ConfigureAwait(false);
