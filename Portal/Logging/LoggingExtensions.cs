using Serilog;
using Serilog.Settings.Configuration;
using Serilog.Events;

namespace Portal.Logging;

public static class LoggingExtensions
{
    /// <summary>Serilog from the "Serilog" configuration section, with API keys redacted from every event.</summary>
    public static WebApplicationBuilder AddPortalLogging(this WebApplicationBuilder builder)
    {
        ProtectLogFiles(builder.Configuration);
        // preserveStaticLogger: this host's ILogger<T>s write to this host's logger. Otherwise they go through the static
        // Log.Logger, which the last host started in the process owns (and the first one stopped silences).
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

    /// <summary>
    /// Every configured File sink writes 0600 files (through <see cref="OwnerOnlyLogFiles"/>, unless configuration names
    /// other hooks) in a folder created 0700, whatever the operator's configuration says about paths.
    /// </summary>
    private static void ProtectLogFiles(ConfigurationManager configuration)
    {
        var added = new Dictionary<string, string?>();
        foreach (var sink in configuration.GetSection("Serilog:WriteTo").GetChildren())
        {
            if (!string.Equals(sink["Name"], "File", StringComparison.OrdinalIgnoreCase)) continue;
            if (sink["Args:hooks"] is null) added[$"{sink.Path}:Args:hooks"] = OwnerOnlyLogFiles.ConfigurationValue;
            if (sink["Args:path"] is { Length: > 0 } path && Path.GetDirectoryName(Path.GetFullPath(path)) is { Length: > 0 } folder)
                Portal.Core.Security.OwnerOnlyFiles.CreateDirectory(folder);
        }
        if (added.Count > 0) configuration.AddInMemoryCollection(added);
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
            // A request log line per ingestion call would drown everything else (a key scan is thousands a second):
            // client faults there are summarised by ClientFaultLog instead; server failures still show.
            // An ingestion 503 is the writer turning its queue away (database locked or full, shutting down): the writer logs
            // that once per interval with a count, so an outage under load is two lines a minute, not a line per request.
            o.GetLevel = (context, _, exception) =>
                exception is not null ? LogEventLevel.Error
                : context.Request.Path.StartsWithSegments("/data") ? (context.Response.StatusCode is >= 500 and not 503 ? LogEventLevel.Error : LogEventLevel.Debug)
                : context.Response.StatusCode >= 500 ? LogEventLevel.Error
                : LogEventLevel.Information;
        });
}
