using MqttHealth.Broker.Hosting;
using MqttHealth.Broker.Observability;

namespace MqttHealth.Broker.Admin;

/// <summary>
/// The admin port: <c>GET /healthz</c> (200 <c>ok</c> once the store is loaded and the broker runs, 503 while
/// starting or stopping) and <c>GET /metrics</c> (Prometheus text format 0.0.4). Bound to loopback by default:
/// it has no authentication, and metrics reveal traffic volumes.
/// </summary>
public sealed class AdminEndpoints
{
    public const string HealthPath = "/healthz";
    public const string MetricsPath = "/metrics";

    private readonly BrokerStatus _status;
    private readonly PrometheusTextExporter _exporter;

    public AdminEndpoints(BrokerStatus status, PrometheusTextExporter exporter)
    {
        _status = status;
        _exporter = exporter;
    }

    public Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        string path = context.Request.Path.Value ?? string.Empty;
        if (path is not (HealthPath or MetricsPath))
        {
            return WriteAsync(context, StatusCodes.Status404NotFound, "text/plain; charset=utf-8", $"not found; the admin port serves {HealthPath} and {MetricsPath}\n");
        }

        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            context.Response.Headers.Allow = "GET, HEAD";
            return WriteAsync(context, StatusCodes.Status405MethodNotAllowed, "text/plain; charset=utf-8", "method not allowed\n");
        }

        if (path == HealthPath)
        {
            BrokerState state = _status.State;
            return state == BrokerState.Running
                ? WriteAsync(context, StatusCodes.Status200OK, "text/plain; charset=utf-8", "ok")
                : WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "text/plain; charset=utf-8", state.ToString().ToLowerInvariant());
        }

        return WriteAsync(context, StatusCodes.Status200OK, PrometheusTextExporter.ContentType, _exporter.Scrape());
    }

    private static Task WriteAsync(HttpContext context, int status, string contentType, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;

        // Health and metrics are live values; a cache in between would lie.
        context.Response.Headers.CacheControl = "no-store";
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : context.Response.WriteAsync(body, context.RequestAborted);
    }
}
