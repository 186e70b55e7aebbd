using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Portal.Core.Ingestion;

/// <summary>
/// The single writer: drains the queue in batches of up to <see cref="IngestionOptions.BatchSize"/>
/// messages (waiting at most <see cref="IngestionOptions.MaxWaitMilliseconds"/> for more), commits each
/// batch in one transaction through the provider's <see cref="IIngestionStore"/>, and only then completes the
/// waiting requests. Between batches it gives the store its housekeeping turn (SQLite: WAL restart, deferred
/// visitor index). On shutdown it stops taking work and drains what was accepted.
/// </summary>
public sealed partial class IngestionWriter(
    IngestionQueue queue,
    IngestionStoreFactory storeFactory,
    IngestionNotifications notifications,
    IOptions<IngestionOptions> options,
    TimeProvider time,
    ILogger<IngestionWriter> logger) : BackgroundService
{
    private static readonly TimeSpan KeyTouchInterval = TimeSpan.FromMinutes(1);

    private readonly IngestionOptions _options = options.Value;
    private readonly Dictionary<Guid, DateTimeOffset> _keyTouched = [];
    private readonly RawBodySampler _sampler = new(options.Value.RawBodySamplePerApp);
    private readonly WriterMemory _memory = new(options.Value.MaxFieldsPerKind);
    private IIngestionStore? _store;
    private DateTimeOffset _lastPrune;
    private int _prunePending;

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Close the queue first so the loop drains and ends by itself; cancelling it would drop accepted work.
        queue.Close();
        if (ExecuteTask is { } running) await running.WaitAsync(cancellationToken).ConfigureAwait(false);
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        _lastPrune = time.GetUtcNow();
        using var pruneTimer = StartPruneTimer(stoppingToken);
        var reader = queue.Reader;
        var batch = new List<IngestionWorkItem>();
        try
        {
            while (await reader.WaitToReadAsync(CancellationToken.None))
            {
                await CollectAsync(reader, batch);
                await ProcessAsync(batch);
                batch.Clear();
            }
        }
        finally
        {
            if (_store is not null) await _store.DisposeAsync();
        }
    }

    private async Task CollectAsync(System.Threading.Channels.ChannelReader<IngestionWorkItem> reader, List<IngestionWorkItem> batch)
    {
        var messages = 0;
        // Real elapsed time, not the TimeProvider: this is about batching, not about what the clock says.
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var maxWait = TimeSpan.FromMilliseconds(_options.MaxWaitMilliseconds);
        while (messages < _options.BatchSize)
        {
            if (reader.TryRead(out var item))
            {
                batch.Add(item);
                messages += item.Weight;
                continue;
            }
            var remaining = maxWait - System.Diagnostics.Stopwatch.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero) break;
            using var wait = new CancellationTokenSource(remaining);
            try
            {
                if (!await reader.WaitToReadAsync(wait.Token)) break;
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task ProcessAsync(List<IngestionWorkItem> batch)
    {
        while (queue.TryTakeInvalidation(out var app))
        {
            if (app is { } id) _memory.Catalogue.Clear(id); else _memory.Forget();
        }
        while (queue.TryTakeErased(out var erased))
            (erased.Kind == Metadata.FieldKind.Visitor ? _memory.Visitors : _memory.Accounts).Forget(erased.App, erased.Id);

        var now = time.GetUtcNow();
        var requests = batch.OfType<RequestWorkItem>().ToList();
        // One poisoned request must not sink its neighbours: after a failed batch each request is retried alone.
        if (requests.Count > 0 && !await TryWriteAsync(requests, now) && requests.Count > 1)
        {
            foreach (var item in requests)
            {
                // The failed batch merged into these aggregates: rebuild from the messages instead.
                if (item is MessagesWorkItem messages) messages.Aggregate = null;
                await TryWriteAsync([item], now);
            }
        }

        var housekeeping = batch.Count != requests.Count || now - _lastPrune >= TimeSpan.FromSeconds(_options.LogPruneIntervalSeconds);
        // After the waiters are answered, so neither is on a request's path. Housekeeping finishes the index when traffic stops.
        if (_store is { } store)
        {
            try { await store.HousekeepAsync(housekeeping, CancellationToken.None); }
            catch (Exception ex) { LogHousekeepingFailed(logger, ex); }
        }
        if (housekeeping)
        {
            Volatile.Write(ref _prunePending, 0);
            await PruneAsync(now);
        }
        foreach (var item in batch)
            if (item is HousekeepingWorkItem) item.Completion.TrySetResult(new IngestionResult(IngestionStatus.Ok, []));
    }

    private async Task<bool> TryWriteAsync(IReadOnlyList<RequestWorkItem> items, DateTimeOffset now)
    {
        var keys = items.Where(i => i.KeyId is { } k && (!_keyTouched.TryGetValue(k, out var at) || now - at >= KeyTouchInterval))
            .Select(i => i.KeyId!.Value).Distinct().Order().ToList();
        var plan = new IngestionBatchPlan(items, now, keys, _options.MaxLoggedBodyBytes, _sampler);
        bool newFields;
        try
        {
            _store ??= await storeFactory.OpenAsync(CancellationToken.None);
            newFields = await _store.WriteAsync(plan, _memory, CancellationToken.None);
        }
        catch (Exception ex)
        {
            LogBatchFailed(logger, ex, items.Count);
            // The transaction rolled back: what the caches learnt from it is no longer true.
            _memory.Forget();
            if (items.Count == 1) Fail(items[0]);
            return false;
        }

        foreach (var key in keys) _keyTouched[key] = now;
        plan.Complete();
        notifications.Publish(plan.Committed(newFields));
        return true;
    }

    /// <summary>Prunes the ingestion log now, through the writer, and returns once done (or at once when the queue is closed).</summary>
    internal Task PruneNowAsync()
    {
        var item = new HousekeepingWorkItem();
        return queue.TryEnqueue(item) ? item.Completion.Task : Task.CompletedTask;
    }

    private static void Fail(RequestWorkItem item) => item.Completion.TrySetResult(IngestionService.Unavailable(item.Parsed));

    private async Task PruneAsync(DateTimeOffset now)
    {
        _lastPrune = now;
        try
        {
            _store ??= await storeFactory.OpenAsync(CancellationToken.None);
            var removed = await _store.PruneAsync(now, _sampler.SampledApps, CancellationToken.None);
            _sampler.SampledApps.Clear();
            // A full chunk means more is due: come back soon rather than in a whole interval.
            if (removed >= 5000) _lastPrune = now - TimeSpan.FromSeconds(_options.LogPruneIntervalSeconds) + TimeSpan.FromSeconds(1);
        }
        catch (Exception ex)
        {
            LogPruneFailed(logger, ex);
        }
    }

    /// <summary>Keeps pruning going when no traffic wakes the writer: a housekeeping item through the same queue.</summary>
    private ITimer StartPruneTimer(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(_options.LogPruneIntervalSeconds);
        return time.CreateTimer(_ =>
        {
            // One pending prune is enough: a slow writer must not find a pile of them.
            if (stoppingToken.IsCancellationRequested || Interlocked.Exchange(ref _prunePending, 1) == 1) return;
            if (!queue.TryEnqueue(new HousekeepingWorkItem())) Volatile.Write(ref _prunePending, 0);
        }, null, interval, interval);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Ingestion batch of {Count} request(s) failed to commit")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingestion store housekeeping failed")]
    private static partial void LogHousekeepingFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingestion log pruning failed")]
    private static partial void LogPruneFailed(ILogger logger, Exception exception);
}
