using Serilog.Core;
using Serilog.Events;

namespace Portal.Tests.Infrastructure;

/// <summary>Keeps every Serilog event a test host writes, for assertions on what was logged.</summary>
public sealed class CapturingLogSink : ILogEventSink
{
    private readonly List<LogEvent> _events = [];

    public void Emit(LogEvent logEvent)
    {
        lock (_events) _events.Add(logEvent);
    }

    public IReadOnlyList<LogEvent> Events
    {
        get { lock (_events) return _events.ToList(); }
    }

    public IReadOnlyList<LogEvent> From(string sourceContextSuffix) =>
        Events.Where(e => e.Properties.TryGetValue("SourceContext", out var s) && s.ToString().Trim('"').EndsWith(sourceContextSuffix, StringComparison.Ordinal)).ToList();
}
