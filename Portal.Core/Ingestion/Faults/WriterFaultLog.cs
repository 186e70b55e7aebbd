using Microsoft.Extensions.Logging;

namespace Portal.Core.Ingestion.Faults;

/// <summary>
/// The writer's failures, collapsed: the first failure of an interval is logged with its exception, the rest
/// of that interval become one "N more" line. A full disk under load so costs two lines a minute, not a stack
/// trace per batch or per request.
/// </summary>
internal sealed partial class WriterFaultLog(ILogger logger, TimeProvider time, TimeSpan interval)
{
    private readonly Lock _lock = new();
    private DateTimeOffset? _windowStart;
    private int _repeats;
    private string _firstReason = "";

    public void Report(Exception exception, int requests)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (_windowStart is { } start && now - start < interval)
            {
                _repeats++;
                return;
            }
            FlushLocked();
            _windowStart = now;
            _firstReason = StoreFaults.Describe(exception);
        }
        LogBatchFailed(logger, exception, requests);
    }

    /// <summary>Writes the count of an interval that has ended; called between batches and by the writer's timer.</summary>
    public void Flush()
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (_windowStart is { } start && now - start >= interval) FlushLocked();
        }
    }

    private void FlushLocked()
    {
        if (_repeats > 0) LogRepeated(logger, _repeats, (int)interval.TotalSeconds, _firstReason);
        _repeats = 0;
        _windowStart = null;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Ingestion batch of {Count} request(s) failed to commit")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Ingestion: {Count} more failed commits within {Seconds} s; the first was: {Reason}")]
    private static partial void LogRepeated(ILogger logger, int count, int seconds, string reason);
}
