using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using MqttHealth.Mqtt.Client;
using MqttHealth.Mqtt.Protocol;
using MqttHealth.Payloads.Clinical.V1;
using MqttHealth.Payloads.Keys;
using MqttHealth.Payloads.Sdk;

namespace MqttHealth.Cli;

/// <summary>
/// <c>mqtthealth seal|open|pub|sub</c>: clinical payloads through the SDK (docs/sdk.md). seal and open work on files
/// (or standard input/output); pub and sub talk to a broker with MqttHealth.Mqtt.Client.
/// </summary>
public static class ClinicalCommands
{
    private static readonly string[] Identity = ["--cert", "--key", "--ca", "--crl", "--passphrase-file"];
    private static readonly string[] Broker = ["--broker", "--tls-ca", "--tls-host", "--user", "--password-file", "--client-id"];
    private static readonly string[] SealValues = [.. Identity, "--recipients", "--state", "--hours", "--max-messages", "--in", "--out", "--announcement-out"];
    private static readonly string[] OpenValues = [.. Identity, "--announcement", "--topic", "--in", "--out"];
    private static readonly string[] PubValues = [.. Identity, .. Broker, "--recipients", "--state", "--hours", "--max-messages", "--in", "--patient"];
    private static readonly string[] SubValues = [.. Identity, .. Broker, "--filter", "--count", "--timeout", "--session-expiry"];

    public static int Seal(IReadOnlyList<string> args, CliContext context) => Run("seal", args, SealValues, ["--no-compress"], context, SealRun);

    public static int Open(IReadOnlyList<string> args, CliContext context) => Run("open", args, OpenValues, ["--fhir"], context, OpenRun);

    public static int Pub(IReadOnlyList<string> args, CliContext context) => Run("pub", args, PubValues, ["--tls", "--tls-client-cert", "--no-compress"], context, PubRun);

    public static int Sub(IReadOnlyList<string> args, CliContext context) => Run("sub", args, SubValues, ["--tls", "--tls-client-cert", "--fhir"], context, SubRun);

    public static void WriteUsage(TextWriter output, string verb)
    {
        ArgumentNullException.ThrowIfNull(output);
        const string id = "--cert FILE --key FILE --ca DIR|FILE [--crl FILE] [--passphrase-file FILE]";
        const string mq = "--broker HOST:PORT [--tls [--tls-ca FILE] [--tls-host NAME] [--tls-client-cert]] [--user U --password-file FILE] [--client-id ID]";
        output.WriteLine(verb switch
        {
            "seal" => $"Usage: mqtthealth seal {id} --recipients DIR [--state DIR] [--hours 24] [--max-messages N] [--in FILE|-] [--out FILE|-] [--announcement-out FILE] [--no-compress]\n" +
                      "Seals one JSON reading (docs/sdk.md) into an envelope; prints its topic on standard error. When a new epoch starts, its announcement\n" +
                      "is written to --announcement-out (required then): publish it retained at the topic printed.",
            "open" => $"Usage: mqtthealth open {id} --announcement FILE --topic TOPIC [--in FILE|-] [--out FILE|-] [--fhir]\n" +
                      "Opens one envelope received on TOPIC with the sender's announcement; writes the reading as JSON (or FHIR R4 Observations, one a line).",
            "pub" => $"Usage: mqtthealth pub {id} --recipients DIR {mq} [--state DIR] [--hours 24] [--max-messages N] [--in FILE|-] [--patient HEX|none] [--no-compress]\n" +
                     "Seals and publishes each JSON reading of the input (one a line): vitals at QoS 1, alarms at QoS 2, the announcement retained first\n" +
                     "when a new epoch starts. A reading's \"patient\" (or --patient for readings without one) associates the device with that patient:\n" +
                     "its patient context is published retained on .../context first, and the sample sets carry the context number instead of the patient.\n" +
                     "The sender state (DIR/NAME.sender.json, encrypted; DIR/NAME.context.json) is saved before each publish.",
            "sub" => $"Usage: mqtthealth sub {id} {mq} --filter FILTER [--count N] [--timeout SECONDS] [--session-expiry SECONDS] [--fhir]\n" +
                     "Subscribes to FILTER and its keys and context topics, takes announcements and patient contexts, opens envelopes and prints one JSON\n" +
                     "line per reading with its patient resolved (or per FHIR Observation with --fhir). Sample sets wait for their patient context\n" +
                     "(at most 1,000 per sender and 10 minutes); sets never attributed are reported on standard error. Stops after N readings or SECONDS\n" +
                     "(exit 1 if fewer than N arrived).",
            _ => "",
        });
        output.WriteLine("Exit codes: 0 done, 1 refused or failed (the message says why), 2 bad usage.");
    }

    private static int Run(string verb, IReadOnlyList<string> args, string[] values, string[] switches, CliContext context, Func<CliArguments, CliContext, int> run)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(context);
        CliArguments parsed = CliArguments.Parse(args, values, switches);
        if (parsed.Help)
        {
            WriteUsage(context.Output, verb);
            return CliExitCodes.Ok;
        }

        try
        {
            if (parsed.Error is { } error)
            {
                throw new KeysCommand.UsageException(error);
            }

            if (parsed.Positionals.Count > 0)
            {
                throw new KeysCommand.UsageException($"'{verb}' takes no positional argument ('{parsed.Positionals[0]}')");
            }

            return run(parsed, context);
        }
        catch (KeysCommand.UsageException ex)
        {
            context.Error.WriteLine($"{CliProgram.Name} {verb}: {ex.Message}");
            context.Error.WriteLine($"Run 'mqtthealth {verb} --help' for usage.");
            return CliExitCodes.BadUsage;
        }
        catch (Exception ex) when (ex is KeyException or ClinicalException or FormatException or IOException or UnauthorizedAccessException or JsonException or MqttClientException or CryptographicException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            context.Error.WriteLine($"{CliProgram.Name} {verb}: {ex.Message}");
            return CliExitCodes.Failure;
        }
    }

    private static FacilityTrust Trust(CliArguments args)
    {
        string ca = KeysCommand.Required(args, "--ca");
        (string caPath, string? crlPath) = Directory.Exists(ca)
            ? (Path.Combine(ca, KeysCommand.CaCertificateFile), args.Value("--crl") ?? (File.Exists(Path.Combine(ca, KeysCommand.CaCrlFile)) ? Path.Combine(ca, KeysCommand.CaCrlFile) : null))
            : (ca, args.Value("--crl"));
        X509Certificate2 caCertificate = KeyIdentity.ParseCertificatePem(KeyIdentity.ReadText(caPath), caPath);
        return new FacilityTrust(caCertificate, crlPath is null ? null : FacilityCrl.Parse(KeysCommand.ReadBytes(crlPath), caCertificate, crlPath));
    }

    private static (KeyIdentity Identity, string Passphrase) LoadIdentity(CliArguments args, FacilityTrust trust, CliContext context)
    {
        string cert = KeysCommand.Required(args, "--cert");
        string key = KeysCommand.Required(args, "--key");
        string passphrase = KeysCommand.Passphrase(args, "--passphrase-file", $"passphrase for {Path.GetFileName(key)}", context, confirm: false);
        return (KeyIdentity.Load(cert, key, passphrase, trust, context.Time), passphrase);
    }

    private static ClinicalSender NewSender(CliArguments args, KeyIdentity identity, FacilityTrust trust, CliContext context)
    {
        string recipients = KeysCommand.Required(args, "--recipients");
        if (!Directory.Exists(recipients))
        {
            throw new KeysCommand.UsageException($"--recipients '{recipients}' is not a directory");
        }

        int hours = KeysCommand.Int(args, "--hours", 24, 1, 24 * 366);
        ulong max = args.Value("--max-messages") is { } m
            ? ulong.TryParse(m, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out ulong v) && v > 0 ? v : throw new KeysCommand.UsageException($"--max-messages must be a positive whole number, not '{m}'")
            : EpochRotationPolicy.MessagesLimit;
        string stateDir = args.Value("--state") ?? Path.GetDirectoryName(Path.GetFullPath(KeysCommand.Required(args, "--cert")))!;
        var sender = new ClinicalSender(identity, trust, stateDir, new ClinicalSenderOptions
        {
            Policy = new EpochRotationPolicy(TimeSpan.FromHours(hours), max),
            Compress = !args.Has("--no-compress"),
            Time = context.Time,
        });
        foreach (string file in Directory.EnumerateFiles(recipients, "*.pem").Order(StringComparer.Ordinal))
        {
            string text = KeyIdentity.ReadText(file);
            if (!PemEncoding.TryFind(text, out PemFields fields) || text[fields.Label] != "CERTIFICATE")
            {
                continue;
            }

            X509Certificate2 certificate = KeyIdentity.ParseCertificatePem(text, file);
            if (certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is { CertificateAuthority: true })
            {
                continue;
            }

            CertificateFacts facts = CertificateFacts.Read(certificate);
            if (facts.KeyId == identity.KeyId || !KeyRoles.MayReceive(facts.Role) || (trust.Crl?.IsRevoked(certificate) ?? false))
            {
                continue; // the sender itself, the broker, revoked recipients: as 'keys rotate'
            }

            sender.AddRecipient(certificate);
        }

        if (sender.Epochs.RecipientKeyIds.Count == 0)
        {
            throw new KeyException(KeyErrorKind.InvalidState, $"no recipient certificate in {recipients}: an epoch nobody else can read is of no use");
        }

        return sender;
    }

    private static byte[] ReadInput(string? path, CliContext context)
    {
        if (path is null or "-")
        {
            return Encoding.UTF8.GetBytes(context.Input.ReadToEnd());
        }

        return File.ReadAllBytes(path);
    }

    private static int SealRun(CliArguments args, CliContext context)
    {
        FacilityTrust trust = Trust(args);
        (KeyIdentity identity, _) = LoadIdentity(args, trust, context);
        using (identity)
        using (ClinicalSender sender = NewSender(args, identity, trust, context))
        {
            ClinicalReading reading = ParseReading(ReadInput(args.Value("--in"), context), identity, context);
            if (sender.EnsureEpoch() != EpochRotationReason.None || sender.PendingAnnouncement is not null)
            {
                string announcementOut = args.Value("--announcement-out") ?? throw new KeysCommand.UsageException("a new epoch starts: give --announcement-out FILE for its announcement");
                File.WriteAllBytes(announcementOut, sender.PendingAnnouncement!);
                sender.AnnouncementPublished();
                context.Error.WriteLine($"announcement of epoch {sender.CurrentEpoch} written to {announcementOut}: publish it retained at {sender.AnnouncementTopic}");
            }

            SealedMessage sealedMessage = sender.Seal(reading.Payload);
            WriteOutput(args.Value("--out"), sealedMessage.Envelope, context);
            context.Error.WriteLine($"topic {sealedMessage.Topic} epoch {sealedMessage.Epoch} sequence {sealedMessage.Sequence}{(sealedMessage.Signed ? " signed" : "")} ({sealedMessage.Envelope.Length} bytes)");
        }

        return CliExitCodes.Ok;
    }

    private static int OpenRun(CliArguments args, CliContext context)
    {
        FacilityTrust trust = Trust(args);
        string topic = KeysCommand.Required(args, "--topic");
        string announcementPath = KeysCommand.Required(args, "--announcement");
        (KeyIdentity identity, _) = LoadIdentity(args, trust, context);
        using (identity)
        using (var receiver = new ClinicalReceiver(identity, trust, context.Time))
        {
            if (!ClinicalTopic.TryParse(topic, out ClinicalTopic? parsed))
            {
                throw new KeysCommand.UsageException($"--topic '{topic}' is not mh/v1/FACILITY/UNIT/DEVICE/STREAM");
            }

            receiver.AcceptAnnouncement(parsed with { Stream = ClinicalStreams.Keys } is var k ? k.ToString() : topic, File.ReadAllBytes(announcementPath));
            ReceivedMessage message = receiver.Open(topic, ReadInput(args.Value("--in"), context));
            var text = new StringBuilder();
            foreach (string line in Lines(message, [], args.Has("--fhir")))
            {
                text.Append(line).Append('\n');
            }

            WriteOutput(args.Value("--out"), Encoding.UTF8.GetBytes(text.ToString()), context);
        }

        return CliExitCodes.Ok;
    }

    private static int PubRun(CliArguments args, CliContext context)
    {
        FacilityTrust trust = Trust(args);
        (KeyIdentity identity, string passphrase) = LoadIdentity(args, trust, context);
        using (identity)
        using (ClinicalSender sender = NewSender(args, identity, trust, context))
        {
            string input = Encoding.UTF8.GetString(ReadInput(args.Value("--in"), context));
            List<ClinicalReading> readings = [.. input.Split('\n').Where(l => l.Trim().Length > 0).Select(l => ParseReading(Encoding.UTF8.GetBytes(l), identity, context))];
            if (readings.Count == 0)
            {
                throw new KeysCommand.UsageException("no reading in the input (one JSON reading a line)");
            }

            ByteString? defaultPatient = args.Value("--patient") is { } p
                ? p == "none" ? ByteString.Empty
                : p.Length is > 0 and <= 128 && p.Length % 2 == 0 && p.All(Uri.IsHexDigit) ? ByteString.CopyFrom(Convert.FromHexString(p))
                : throw new KeysCommand.UsageException($"--patient is the opaque patient reference in hex (at most 64 bytes) or 'none', not '{p}'")
                : null;
            MqttClient client = Connect(args, context, passphrase, sessionExpiry: null).GetAwaiter().GetResult();
            try
            {
                foreach (ClinicalReading reading in readings)
                {
                    ClinicalPayload payload = reading.Payload;
                    if (payload.KindCase == ClinicalPayload.KindOneofCase.SampleSet && payload.SampleSet.Context == 0
                        && (payload.SampleSet.PatientRef.IsEmpty ? defaultPatient : payload.SampleSet.PatientRef) is { } patient)
                    {
                        // The patient travels once, in the retained context; the set carries the context number.
                        if (sender.CurrentContext == 0 || !patient.Equals(sender.CurrentPatient))
                        {
                            Publish(client, sender, sender.AssociatePatient(patient, DateTimeOffset.FromUnixTimeMilliseconds((long)payload.SampleSet.TimeMs)), context);
                        }

                        payload = payload.Clone();
                        payload.SampleSet.PatientRef = ByteString.Empty;
                    }

                    Publish(client, sender, sender.Seal(payload), context); // the state is saved before Seal returns
                }
            }
            finally
            {
                client.DisconnectAsync().GetAwaiter().GetResult();
                client.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }

        return CliExitCodes.Ok;
    }

    /// <summary>Publishes a sealed message: the announcement (retained) first when pending, then a re-sealed context (retained), then the envelope.</summary>
    private static void Publish(MqttClient client, ClinicalSender sender, SealedMessage message, CliContext context)
    {
        if (message.Announcement is not null)
        {
            client.PublishAsync(message.AnnouncementTopic, message.Announcement, QualityOfService.AtLeastOnce, retain: true).AsTask().GetAwaiter().GetResult();
            context.Error.WriteLine($"announced epoch {message.Epoch} at {message.AnnouncementTopic}");
        }

        foreach (SealedMessage m in message.Context is { } again ? [again, message] : new[] { message })
        {
            QualityOfService qos = m.Signed && !m.Retain ? QualityOfService.ExactlyOnce : QualityOfService.AtLeastOnce;
            client.PublishAsync(m.Topic, m.Envelope, qos, retain: m.Retain).AsTask().GetAwaiter().GetResult();
            context.Output.WriteLine($"published {m.Topic} epoch {m.Epoch} sequence {m.Sequence} ({m.Envelope.Length} bytes, QoS {(int)qos}{(m.Retain ? ", retained" : "")})");
        }

        if (message.Announcement is not null)
        {
            sender.AnnouncementPublished();
        }
    }

    private static int SubRun(CliArguments args, CliContext context)
    {
        FacilityTrust trust = Trust(args);
        string filter = KeysCommand.Required(args, "--filter");
        int count = KeysCommand.Int(args, "--count", 0, 1, int.MaxValue);
        int timeout = KeysCommand.Int(args, "--timeout", 0, 1, 86_400 * 365);
        int expiry = KeysCommand.Int(args, "--session-expiry", 0, 1, int.MaxValue);
        bool fhir = args.Has("--fhir");
        (KeyIdentity identity, string passphrase) = LoadIdentity(args, trust, context);
        using (identity)
        using (var receiver = new ClinicalReceiver(identity, trust, context.Time))
        using (var cancel = timeout > 0 ? new CancellationTokenSource(TimeSpan.FromSeconds(timeout)) : new CancellationTokenSource())
        {
            MqttClient client = Connect(args, context, passphrase, expiry > 0 ? (uint)expiry : null).GetAwaiter().GetResult();
            int received = 0;
            try
            {
                client.SubscribeAsync(filter, QualityOfService.ExactlyOnce).GetAwaiter().GetResult();
                foreach (string stream in new[] { ClinicalStreams.Keys, ClinicalStreams.Context })
                {
                    if (StreamFilter(filter, stream) is { } extra)
                    {
                        client.SubscribeAsync(extra, QualityOfService.AtLeastOnce).GetAwaiter().GetResult();
                    }
                }

                received = ReceiveAsync(client, receiver, count, fhir, context, cancel.Token).GetAwaiter().GetResult();
                foreach (UnattributedSet never in receiver.Contexts.Flush("sub stopped before it arrived"))
                {
                    context.Error.WriteLine($"{CliProgram.Name} sub: {never.Source.Topic} sequence {never.Source.Sequence}: {never.Reason}");
                }
            }
            finally
            {
                client.DisconnectAsync().GetAwaiter().GetResult();
                client.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            if (count > 0 && received < count)
            {
                context.Error.WriteLine($"{CliProgram.Name} sub: {received} of {count} readings arrived within {timeout} s");
                return CliExitCodes.Failure;
            }
        }

        return CliExitCodes.Ok;
    }

    private static async Task<int> ReceiveAsync(MqttClient client, ClinicalReceiver receiver, int count, bool fhir, CliContext context, CancellationToken cancellationToken)
    {
        var inbox = new ClinicalInbox(receiver); // holds envelopes that came before their announcement
        int received = 0;
        try
        {
            await foreach (MqttApplicationMessage message in client.ReceivedMessages.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                InboxResult result = inbox.Receive(message.Topic, message.Payload.Span);
                if (result.Accepted is { } epoch)
                {
                    context.Error.WriteLine($"epoch {epoch.Epoch} of '{epoch.SenderId}' accepted");
                }

                foreach (InboxRefusal refusal in result.Refusals)
                {
                    context.Error.WriteLine(result.Announcement && result.Accepted is null
                        ? $"{CliProgram.Name} sub: refused {refusal.Error.Error}: {refusal.Error.Message}"
                        : $"{CliProgram.Name} sub: refused {refusal.Topic}: {refusal.Error.Message}");
                }

                foreach (ReceivedMessage opened in result.Opened)
                {
                    received += Handle(opened, receiver, fhir, context);
                }

                if (count > 0 && received >= count)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // the --timeout passed
        }

        return received;
    }

    private static int Handle(ReceivedMessage opened, ClinicalReceiver receiver, bool fhir, CliContext context)
    {
        ContextResolution resolution = receiver.Contexts.Accept(opened);
        foreach (string error in resolution.Errors)
        {
            context.Error.WriteLine($"{CliProgram.Name} sub: {error}");
        }

        foreach (UnattributedSet never in resolution.Refused)
        {
            context.Error.WriteLine($"{CliProgram.Name} sub: {never.Source.Topic} sequence {never.Source.Sequence}: {never.Reason}");
        }

        int printed = 0;
        if (opened.Payload.KindCase == ClinicalPayload.KindOneofCase.PatientContext)
        {
            context.Error.WriteLine($"patient context {opened.Payload.PatientContext.Number} of '{opened.SenderId}' accepted");
        }
        else if (opened.Payload.KindCase is not (ClinicalPayload.KindOneofCase.SampleSet or ClinicalPayload.KindOneofCase.SampleBatch))
        {
            printed += Print(() => Lines(opened, [], fhir), opened, context);
        }

        // Sets now attributed: this message's, or held ones its context released; one line per source message.
        foreach (IGrouping<ReceivedMessage, AttributedSet> group in resolution.Ready.GroupBy(r => r.Source))
        {
            printed += Print(() => Lines(group.Key, [.. group], fhir), group.Key, context);
        }

        return printed;
    }

    private static int Print(Func<List<string>> lines, ReceivedMessage message, CliContext context)
    {
        try
        {
            foreach (string line in lines())
            {
                context.Output.WriteLine(line);
            }

            context.Output.Flush();
            return 1;
        }
        catch (FormatException ex)
        {
            context.Error.WriteLine($"{CliProgram.Name} sub: {message.Topic} sequence {message.Sequence}: {ex.Message}");
            return 0;
        }
    }

    /// <summary>
    /// The lines of a message: sample sets as given in <paramref name="sets"/> (attributed; empty: the message's own
    /// sets as they are), other kinds as they are; JSON readings, or FHIR Observations.
    /// </summary>
    private static List<string> Lines(ReceivedMessage message, IReadOnlyList<AttributedSet> sets, bool fhir)
    {
        ClinicalPayload payload = message.Payload;
        if (sets.Count > 0)
        {
            payload = sets.Count == 1 && payload.KindCase == ClinicalPayload.KindOneofCase.SampleSet
                ? new ClinicalPayload { SampleSet = sets[0].Set }
                : new ClinicalPayload { SampleBatch = Payloads.Schema.SampleSets.ToBatch([.. sets.Select(s => s.Set)], 0, ByteString.Empty) };
        }

        if (fhir)
        {
            IEnumerable<(int Index, SampleSet Set)> all = sets.Count > 0 ? sets.Select(s => (s.Index, s.Set))
                : payload.KindCase switch
                {
                    ClinicalPayload.KindOneofCase.SampleSet => [(0, payload.SampleSet)],
                    ClinicalPayload.KindOneofCase.SampleBatch => Payloads.Schema.SampleSets.FromBatch(payload.SampleBatch).Select((s, i) => (i, s)),
                    _ => throw new FormatException($"--fhir maps sample sets; {message.Topic} carried a {payload.KindCase}"),
                };
            var lines = new List<string>();
            foreach ((int index, SampleSet set) in all)
            {
                var options = new FhirOptions { Device = message.SenderId, IdentifierPrefix = $"{message.SenderId}/{message.Epoch}/{message.Sequence}/{index}" };
                lines.AddRange(FhirVitalSigns.ToObservations(set, options).Select(Encoding.UTF8.GetString));
            }

            return lines;
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("topic", message.Topic.ToString());
            writer.WriteString("sender", message.SenderId);
            writer.WriteNumber("epoch", message.Epoch);
            writer.WriteNumber("sequence", message.Sequence);
            writer.WriteBoolean("signed", message.Signed);
            writer.WritePropertyName("reading");
            ClinicalJson.Write(writer, payload, message.SenderId);
            writer.WriteEndObject();
        }

        return [Encoding.UTF8.GetString(buffer.ToArray())];
    }

    /// <summary>The topics of <paramref name="stream"/> (keys, context) a filter does not already cover: FILTER with its last level replaced by the stream.</summary>
    internal static string? StreamFilter(string filter, string stream)
    {
        int slash = filter.LastIndexOf('/');
        string last = filter[(slash + 1)..];
        return last is "#" or "+" || last == stream || slash < 0 ? null : filter[..(slash + 1)] + stream;
    }

    private static ClinicalReading ParseReading(byte[] json, KeyIdentity identity, CliContext context)
    {
        ClinicalReading reading = ClinicalJson.Parse(json, context.Time.GetUtcNow());
        if (reading.Device is not null && reading.Device != identity.Name)
        {
            throw new FormatException($"reading: \"device\" is '{reading.Device}' but the identity is '{identity.Name}'");
        }

        return reading;
    }

    private static void WriteOutput(string? path, byte[] bytes, CliContext context)
    {
        if (path is null or "-")
        {
            if (context.Output == Console.Out)
            {
                using Stream stdout = Console.OpenStandardOutput();
                stdout.Write(bytes);
            }
            else if (context.Output is StreamWriter { BaseStream: { } stream })
            {
                context.Output.Flush();
                stream.Write(bytes);
            }
            else
            {
                context.Output.Write(Encoding.Latin1.GetString(bytes)); // tests capture text: one char per byte
            }

            return;
        }

        File.WriteAllBytes(path, bytes);
    }

    private static async Task<MqttClient> Connect(CliArguments args, CliContext context, string passphrase, uint? sessionExpiry)
    {
        string broker = KeysCommand.Required(args, "--broker");
        int colon = broker.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(broker[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
        {
            throw new KeysCommand.UsageException($"--broker '{broker}' is not HOST:PORT");
        }

        string host = broker[..colon];
        var options = new MqttClientOptions
        {
            Host = host,
            Port = port,
            ClientId = args.Value("--client-id") ?? string.Empty,
            CleanStart = sessionExpiry is null,
            SessionExpiryInterval = sessionExpiry,
        };
        if (args.Value("--user") is { } user)
        {
            options.UserName = user;
            string passwordFile = args.Value("--password-file") ?? throw new KeysCommand.UsageException("--user needs --password-file FILE (passwords are never command-line arguments)");
            string password = File.ReadAllText(passwordFile).TrimEnd('\r', '\n');
            options.Password = Encoding.UTF8.GetBytes(password);
        }

        if (args.Has("--tls"))
        {
            string caPath = args.Value("--tls-ca") ?? (Directory.Exists(args.Value("--ca")) ? Path.Combine(args.Value("--ca")!, KeysCommand.CaCertificateFile) : args.Value("--ca")!);
            X509Certificate2 tlsCa = KeyIdentity.ParseCertificatePem(KeyIdentity.ReadText(caPath), caPath);
            options.Tls = new MqttClientTlsOptions
            {
                TargetHost = args.Value("--tls-host") ?? host,
                RemoteCertificateValidationCallback = MqttClientTlsOptions.TrustOnly(tlsCa),
            };
            if (args.Has("--tls-client-cert"))
            {
                using ECDsa key = ECDsa.Create();
                key.ImportFromEncryptedPem(KeyIdentity.ReadText(KeysCommand.Required(args, "--key")), passphrase);
                using X509Certificate2 publicOnly = X509CertificateLoader.LoadCertificate(File.Exists(args.Value("--cert")) ? KeyIdentity.ParseCertificatePem(KeyIdentity.ReadText(args.Value("--cert")!), args.Value("--cert")!).RawData : []);
                options.Tls.ClientCertificates = [publicOnly.CopyWithPrivateKey(key)];
            }
        }
        else if (args.Has("--tls-client-cert") || args.Value("--tls-ca") is not null)
        {
            throw new KeysCommand.UsageException("--tls-ca and --tls-client-cert need --tls");
        }

        var client = new MqttClient(options);
        try
        {
            await client.ConnectAsync().ConfigureAwait(false);
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return client;
    }
}
