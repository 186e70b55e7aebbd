using Humanizer;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Applications;
using Portal.Core.Data;

namespace Portal.Core.Ingestion;

/// <summary>
/// Puts requests refused for their key (unknown, revoked, expired, archived: 401) on the Ingestion log,
/// bounded so a key scan cannot flood it: the first <see cref="UnrecognisedKeyOptions.LogEntriesPerInterval"/>
/// of an interval get a row each; the rest are counted and, when the interval ends, become one "N more"
/// row per application (and one for unrecognised keys). Rows for unknown keys have no application and
/// carry at most the presented key's last 4 characters.
/// </summary>
/// <remarks>
/// Written through its own short EF Core insert rather than the ingestion writer: these requests have no
/// application to batch under, and the cap keeps the extra commits to a few an interval.
/// </remarks>
public sealed partial class RefusedKeyLog : IDisposable
{
    private readonly IDbContextFactory<PortalDbContext> _contexts;
    private readonly IngestionNotifications _notifications;
    private readonly TimeProvider _time;
    private readonly ILogger<RefusedKeyLog> _logger;
    private readonly UnrecognisedKeyOptions _options;
    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, Overflow> _overflow = [];
    private readonly ITimer _timer;
    private DateTimeOffset _windowStart;
    private int _written;

    public RefusedKeyLog(IDbContextFactory<PortalDbContext> contexts, IngestionNotifications notifications, IOptions<IngestionOptions> options,
        TimeProvider time, ILogger<RefusedKeyLog> logger)
    {
        _contexts = contexts;
        _notifications = notifications;
        _time = time;
        _logger = logger;
        _options = options.Value.UnrecognisedKeys;
        _windowStart = time.GetUtcNow();
        var interval = TimeSpan.FromSeconds(_options.LogIntervalSeconds);
        _timer = time.CreateTimer(_ => _ = FlushAsync(), null, interval, interval);
    }

    public async Task RecordAsync(ApiKeyLookup refused, string source, CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            if (_written >= _options.LogEntriesPerInterval)
            {
                var bucket = refused.ApplicationId ?? Guid.Empty;
                if (!_overflow.TryGetValue(bucket, out var overflow)) _overflow[bucket] = overflow = new Overflow();
                overflow.Count++;
                overflow.Source = source;
                return;
            }
            _written++;
        }
        await WriteAsync([Entry(now, refused.ApplicationId, refused.Hint, source, refused.Refusal)], cancellationToken);
    }

    /// <summary>Ends the interval: writes the "N more" rows and lets the next interval log rows one by one again. Runs on a timer.</summary>
    public async Task FlushAsync()
    {
        var now = _time.GetUtcNow();
        List<IngestionLogEntry> entries;
        lock (_lock)
        {
            entries = _overflow.Select(o => Entry(now, o.Key == Guid.Empty ? null : o.Key, null, o.Value.Source, Summary(o.Key, o.Value.Count))).ToList();
            _overflow.Clear();
            _written = 0;
            _windowStart = now;
        }
        if (entries.Count > 0) await WriteAsync(entries, CancellationToken.None);
    }

    private string Summary(Guid application, int count) =>
        $"{"more request".ToQuantity(count)} refused {(application == Guid.Empty ? "with unrecognised keys" : "for revoked, expired or archived keys")} " +
        $"since {_windowStart:HH:mm:ss} UTC (past {_options.LogEntriesPerInterval} a {_options.LogIntervalSeconds} s they are counted, not logged one by one).";

    private static IngestionLogEntry Entry(DateTimeOffset at, Guid? applicationId, string? hint, string source, string error) => new()
    {
        ReceivedAt = at, ApplicationId = applicationId, KeyHint = hint, Source = source, StatusCode = 401, FirstError = error,
    };

    private async Task WriteAsync(List<IngestionLogEntry> entries, CancellationToken cancellationToken)
    {
        try
        {
            await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
            db.IngestionLog.AddRange(entries);
            await db.SaveChangesAsync(cancellationToken);
            _notifications.Publish(new IngestionCommitted(entries.Where(e => e.ApplicationId is not null).Select(e => e.ApplicationId!.Value).ToHashSet(),
                0, NewFields: false, NewLogEntries: true));
        }
        catch (Exception ex)
        {
            // Best effort, as every log entry of a refused request: the 401 stands either way (and the timer's flush has no caller to tell).
            LogNotRecorded(_logger, entries.Count, ex.GetType().Name, ex.Message);
        }
    }

    public void Dispose() => _timer.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} refused-key entries could not be written to the Ingestion log ({Error}: {Message})")]
    private static partial void LogNotRecorded(ILogger logger, int count, string error, string message);

    private sealed class Overflow
    {
        public int Count { get; set; }
        public string Source { get; set; } = "";
    }
}
