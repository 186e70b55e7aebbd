using Serilog.Core;
using Serilog.Events;

namespace Portal.Logging;

/// <summary>
/// Defence in depth: whatever logs a URL (framework, HttpClient, our own code), a key in an
/// ingestion path is reduced to its hint before any sink sees the event.
/// </summary>
public sealed class ApiKeyRedactionEnricher : ILogEventEnricher
{
    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        List<LogEventProperty>? updates = null;
        foreach (var (name, value) in logEvent.Properties)
        {
            if (value is ScalarValue { Value: string s } && s.Contains("/data/", StringComparison.OrdinalIgnoreCase))
            {
                var redacted = ApiKeyRedaction.Redact(s);
                if (!ReferenceEquals(redacted, s) && redacted != s) (updates ??= []).Add(new LogEventProperty(name, new ScalarValue(redacted)));
            }
        }
        if (updates is null) return;
        foreach (var property in updates) logEvent.AddOrUpdateProperty(property);
    }
}
