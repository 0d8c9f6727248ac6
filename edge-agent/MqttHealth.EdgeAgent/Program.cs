// The agent is built by the edge-agent issue; until then this entry point says so plainly.
Console.Error.WriteLine("mqtthealth-agent: the edge agent is not built yet (see the edge-agent issue).");
return 2;
