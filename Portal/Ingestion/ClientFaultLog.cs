using Microsoft.Extensions.Options;
using Humanizer;
using Portal.Core.Ingestion;
using Portal.Core.Ingestion.Metrics;

namespace Portal.Ingestion;

/// <summary>What kind of client fault a refused ingestion request was; repeats of one kind are collapsed in the log.</summary>
public enum ClientFault
{
    UnusableBody,
    BadFraming,
    BodyTimeout,
    TooLarge,
    UnsupportedMedia,
    UnrecognisedKey,
    BadSignature,
    KeyScanThrottled,
}

/// <summary>
/// Logs requests refused for the client's own fault as one line without a stack trace, and collapses
/// repeats: the first of a kind in an interval is logged at once, the rest of that interval become one
/// "N more" line when it ends. A retrying sender or a key scan so costs a line a minute, not a line a request.
/// </summary>
public sealed partial class ClientFaultLog : IDisposable
{
    private readonly ILogger<ClientFaultLog> _logger;
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;
    private readonly Lock _lock = new();
    private readonly Dictionary<ClientFault, Window> _windows = [];
    private readonly ITimer _timer;

    // The refused counter's reason tag (unusable_body, unrecognised_key, …), named once rather than per refused request.
    private static readonly Dictionary<ClientFault, string> MetricNames = Enum.GetValues<ClientFault>().ToDictionary(f => f, f => f.ToString().Underscore());

    private readonly IngestionMetrics _metrics;

    public ClientFaultLog(ILogger<ClientFaultLog> logger, TimeProvider time, IOptions<IngestionOptions> options, IngestionMetrics metrics)
    {
        _metrics = metrics;
        _logger = logger;
        _time = time;
        _interval = TimeSpan.FromSeconds(options.Value.RepeatedWarningIntervalSeconds);
        _timer = time.CreateTimer(_ => Flush(), null, _interval, _interval);
    }

    public void Report(ClientFault fault, int statusCode, string reason)
    {
        _metrics.Refused(MetricNames[fault]);
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            if (_windows.TryGetValue(fault, out var window) && now - window.Start < _interval)
            {
                window.Repeats++;
                return;
            }
            if (window is { Repeats: > 0 }) LogRepeats(fault, window);
            _windows[fault] = new Window(now, statusCode, reason);
        }
        LogRefused(_logger, statusCode, fault, reason);
    }

    /// <summary>Writes the count of every interval that has ended; runs on a timer so a burst's count is not held back until the next fault.</summary>
    public void Flush()
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            foreach (var (fault, window) in _windows.ToList())
            {
                if (now - window.Start < _interval) continue;
                if (window.Repeats > 0) LogRepeats(fault, window);
                _windows.Remove(fault);
            }
        }
    }

    private void LogRepeats(ClientFault fault, Window window) =>
        LogRepeated(_logger, window.Repeats, fault, window.StatusCode, (int)_interval.TotalSeconds, window.Reason);

    public void Dispose() => _timer.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingestion refused a request with {StatusCode} ({Fault}): {Reason}")]
    private static partial void LogRefused(ILogger logger, int statusCode, ClientFault fault, string reason);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Ingestion refused {Count} more requests of the same kind ({Fault}, {StatusCode}) within {Seconds} s; the first was: {Reason}")]
    private static partial void LogRepeated(ILogger logger, int count, ClientFault fault, int statusCode, int seconds, string reason);

    private sealed class Window(DateTimeOffset start, int statusCode, string reason)
    {
        public DateTimeOffset Start { get; } = start;
        public int StatusCode { get; } = statusCode;
        public string Reason { get; } = reason;
        public int Repeats { get; set; }
    }
}
