// The corpus generator and trainer are built by the clinical-payloads issue; until then this says so plainly.
Console.Error.WriteLine("mqtthealth-dict: the corpus generator and dictionary trainer are not built yet (see the clinical-payloads issue).");
return 2;
