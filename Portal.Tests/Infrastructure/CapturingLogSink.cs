using Serilog.Core;
using Serilog.Events;

namespace Portal.Tests.Infrastructure;

/// <summary>Keeps every Serilog event a test host writes, for assertions on what was logged.</summary>
public sealed class CapturingLogSink : ILogEventSink
{
    private readonly List<LogEvent> _events = [];
    private readonly List<(Func<LogEvent, bool> Match, TaskCompletionSource Seen)> _waiters = [];

    public void Emit(LogEvent logEvent)
    {
        lock (_events)
        {
            _events.Add(logEvent);
            foreach (var waiter in _waiters.Where(w => w.Match(logEvent)).ToList())
            {
                waiter.Seen.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }

    public IReadOnlyList<LogEvent> Events
    {
        get { lock (_events) return _events.ToList(); }
    }

    public IReadOnlyList<LogEvent> From(string sourceContextSuffix) =>
        Events.Where(e => e.Properties.TryGetValue("SourceContext", out var s) && s.ToString().Trim('"').EndsWith(sourceContextSuffix, StringComparison.Ordinal)).ToList();

    /// <summary>Completes once an event matching <paramref name="match"/> has been written (at once if one already was).</summary>
    public Task WaitForAsync(Func<LogEvent, bool> match, TimeSpan timeout)
    {
        lock (_events)
        {
            if (_events.Any(match)) return Task.CompletedTask;
            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, seen));
            return seen.Task.WaitAsync(timeout);
        }
    }
}
