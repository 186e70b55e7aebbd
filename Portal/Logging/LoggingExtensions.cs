using Serilog;
using Serilog.Settings.Configuration;
using Serilog.Events;

namespace Portal.Logging;

public static class LoggingExtensions
{
    /// <summary>Serilog from the "Serilog" configuration section, with API keys redacted from every event.</summary>
    public static WebApplicationBuilder AddPortalLogging(this WebApplicationBuilder builder)
    {
        // preserveStaticLogger: this host logs through its own logger, not the process-wide Log.Logger, which
        // the last host built would otherwise own (two hosts in one process, as in the tests, swapped each other's lines).
        builder.Services.AddSerilog((services, logger) => logger
            // The sinks named here, not found by scanning the entry assembly's dependencies: under a test host or a
            // trimmed publish that scan misses them, and the configured sinks silently vanish.
            .ReadFrom.Configuration(builder.Configuration, new ConfigurationReaderOptions(
                typeof(ConsoleLoggerConfigurationExtensions).Assembly, typeof(FileLoggerConfigurationExtensions).Assembly))
            .ReadFrom.Services(services)
            .Enrich.FromLogContext()
            .Enrich.With<ApiKeyRedactionEnricher>(), preserveStaticLogger: true);
        return builder;
    }

    public static IApplicationBuilder UsePortalRequestLogging(this IApplicationBuilder app) =>
        app.UseSerilogRequestLogging(o =>
        {
            // This host's logger, not the static Log.Logger that another host in the same process may have replaced.
            o.Logger = app.ApplicationServices.GetService<Serilog.ILogger>();
            o.MessageTemplate = "HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.0} ms";
            // The request path of an ingestion call holds the API key: only its hint may reach the log.
            o.GetMessageTemplateProperties = (context, path, elapsed, status) =>
            [
                new LogEventProperty("RequestMethod", new ScalarValue(context.Request.Method)),
                new LogEventProperty("RequestPath", new ScalarValue(ApiKeyRedaction.Redact(path))),
                new LogEventProperty("StatusCode", new ScalarValue(status)),
                new LogEventProperty("Elapsed", new ScalarValue(elapsed)),
            ];
            // A request log line per ingestion call would drown everything else; failures still show.
            o.GetLevel = (context, _, exception) =>
                exception is not null || context.Response.StatusCode >= 500 ? LogEventLevel.Error
                : context.Request.Path.StartsWithSegments("/data") && context.Response.StatusCode < 400 ? LogEventLevel.Debug
                : LogEventLevel.Information;
        });
}
