using System.Net;
using System.Text.Json;
using MqttHealth.EdgeAgent.Hosting;
using MqttHealth.EdgeAgent.Options;
using MqttHealth.EdgeAgent.Status;
using MqttHealth.Payloads.Sdk;

namespace MqttHealth.EdgeAgent.Inputs;

/// <summary>
/// HTTP on loopback only (no authentication: the host's own processes feed it). <c>POST /v1/readings</c>: one JSON
/// reading, or several as NDJSON; all are checked before any is stored. 202 <c>{"accepted":[ids]}</c> once they are on
/// disk; 400 <c>{"error":"line N: ..."}</c>; 413 over <c>Agent:Inputs:HttpMaxBodyBytes</c>; 503 when the disk budget
/// refuses (with the ids that were stored) or the agent stops. <c>GET /v1/status</c>: the status document.
/// </summary>
public sealed class HttpSource : IReadingSource
{
    private readonly InputOptions _options;
    private readonly AgentStatus _status;
    private readonly Func<byte[]> _statusDocument;
    private readonly ILogger _logger;

    public HttpSource(InputOptions options, AgentStatus status, Func<byte[]> statusDocument, ILogger logger)
    {
        _options = options;
        _status = status;
        _statusDocument = statusDocument;
        _logger = logger;
    }

    public string Name => "http";

    public async Task RunAsync(ReadingIntake intake, CancellationToken cancellationToken)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Parse(_options.HttpBindAddress), _options.HttpPort);
            kestrel.Limits.MaxRequestBodySize = _options.HttpMaxBodyBytes;
            kestrel.AddServerHeader = false;
        });
        await using WebApplication app = builder.Build();
        app.Run(context => HandleAsync(context, intake));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        _logger.InputListening(Name, $"http://{_options.HttpBindAddress}:{_options.HttpPort}/v1/readings");
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await app.StopAsync(stop.Token).ConfigureAwait(false);
    }

    private async Task HandleAsync(HttpContext context, ReadingIntake intake)
    {
        HttpRequest request = context.Request;
        if (request.Path == "/v1/status" && HttpMethods.IsGet(request.Method))
        {
            await WriteAsync(context, StatusCodes.Status200OK, _statusDocument()).ConfigureAwait(false);
            return;
        }

        if (request.Path != "/v1/readings")
        {
            await ErrorAsync(context, StatusCodes.Status404NotFound, "not found: POST /v1/readings or GET /v1/status").ConfigureAwait(false);
            return;
        }

        if (!HttpMethods.IsPost(request.Method))
        {
            context.Response.Headers.Allow = "POST";
            await ErrorAsync(context, StatusCodes.Status405MethodNotAllowed, "POST a reading (JSON) or readings (NDJSON)").ConfigureAwait(false);
            return;
        }

        byte[] body;
        try
        {
            if (request.ContentLength > _options.HttpMaxBodyBytes)
            {
                throw new BadHttpRequestException("too large", StatusCodes.Status413PayloadTooLarge);
            }

            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
            body = buffer.ToArray();
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            _status.Rejected(Name);
            context.Response.Headers.Connection = "close"; // the rest of the body is not read
            await ErrorAsync(context, StatusCodes.Status413PayloadTooLarge, $"the body is larger than {_options.HttpMaxBodyBytes} bytes (Agent:Inputs:HttpMaxBodyBytes)").ConfigureAwait(false);
            return;
        }

        var readings = new List<ClinicalReading>();
        int number = 0;
        foreach (ReadOnlyMemory<byte> line in Lines(body))
        {
            number++;
            try
            {
                readings.Add(intake.Parse(line.Span));
            }
            catch (FormatException ex)
            {
                _status.Rejected(Name);
                await ErrorAsync(context, StatusCodes.Status400BadRequest, $"line {number}: {ex.Message}").ConfigureAwait(false);
                return;
            }
        }

        if (readings.Count == 0)
        {
            _status.Rejected(Name);
            await ErrorAsync(context, StatusCodes.Status400BadRequest, "no reading in the body (one JSON reading, or one per line)").ConfigureAwait(false);
            return;
        }

        IntakeResult[] results = await intake.SubmitAsync(readings, Name, context.RequestAborted).ConfigureAwait(false);
        long[] accepted = [.. results.Where(r => r.Accepted).Select(r => r.Id!.Value)];
        IntakeResult? refused = results.FirstOrDefault(r => !r.Accepted);
        using var document = new MemoryStream();
        using (var w = new Utf8JsonWriter(document))
        {
            w.WriteStartObject();
            w.WriteStartArray("accepted");
            foreach (long id in accepted)
            {
                w.WriteNumberValue(id);
            }

            w.WriteEndArray();
            if (refused is not null)
            {
                w.WriteString("error", refused.Error);
            }

            w.WriteEndObject();
        }

        await WriteAsync(context, refused is null ? StatusCodes.Status202Accepted : StatusCodes.Status503ServiceUnavailable, document.ToArray()).ConfigureAwait(false);
    }

    /// <summary>The non-blank lines of an NDJSON body (a single JSON reading is one line, or spans several when pretty-printed).</summary>
    private static List<ReadOnlyMemory<byte>> Lines(byte[] body)
    {
        ReadOnlySpan<byte> trimmed = body.AsSpan().Trim("\r\n\t "u8);
        if (trimmed.Length > 0 && trimmed[0] == (byte)'{' && IsOneDocument(body))
        {
            return [body];
        }

        var lines = new List<ReadOnlyMemory<byte>>();
        int start = 0;
        for (int i = 0; i <= body.Length; i++)
        {
            if (i == body.Length || body[i] == (byte)'\n')
            {
                ReadOnlyMemory<byte> line = body.AsMemory(start, i - start);
                if (!line.Span.Trim("\r\t "u8).IsEmpty)
                {
                    lines.Add(line);
                }

                start = i + 1;
            }
        }

        return lines;
    }

    private static bool IsOneDocument(byte[] body)
    {
        var reader = new Utf8JsonReader(body);
        try
        {
            while (reader.Read())
            {
            }

            return true;
        }
        catch (JsonException)
        {
            return false; // not one JSON value: NDJSON (or invalid, which the line's parse reports)
        }
    }

    private static Task ErrorAsync(HttpContext context, int status, string message)
    {
        using var document = new MemoryStream();
        using (var w = new Utf8JsonWriter(document))
        {
            w.WriteStartObject();
            w.WriteString("error", message);
            w.WriteEndObject();
        }

        return WriteAsync(context, status, document.ToArray());
    }

    private static async Task WriteAsync(HttpContext context, int status, byte[] body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = body.Length + 1;
        await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
        await context.Response.Body.WriteAsync("\n"u8.ToArray(), context.RequestAborted).ConfigureAwait(false);
    }
}
