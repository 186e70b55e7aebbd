using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Ingestion.Faults;
using Portal.Core.Ingestion.Metrics;

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
    WriterHealth health,
    IngestionMetrics metrics,
    IOptions<IngestionOptions> options,
    IOptions<Forwarding.ForwardingOptions> forwarding,
    TimeProvider time,
    ILogger<IngestionWriter> logger) : BackgroundService
{
    private static readonly TimeSpan KeyTouchInterval = TimeSpan.FromMinutes(1);

    private readonly IngestionOptions _options = options.Value;
    private readonly Dictionary<Guid, DateTimeOffset> _keyTouched = [];
    private readonly RawBodySampler _sampler = new(options.Value.RawBodySamplePerApp);
    private readonly IngestionPlanLists _planLists = new();
    private readonly WriterMemory _memory = new(options.Value.MaxFieldsPerKind);
    private readonly WriterFaultLog _faults = new(logger, time, TimeSpan.FromSeconds(options.Value.RepeatedWarningIntervalSeconds));
    private IIngestionStore? _store;
    private DateTimeOffset _lastPrune;
    private int _prunePending;
    private int _probePending;
    private const int MinRetentionChunk = 50;
    private int _retentionPending;
    private int _retentionChunk = 500;
    private ITimer? _retentionPause;
    // Past this many rows waiting, counts are flushed at once: the memory stays bounded whatever the traffic.
    private const int MaxWaitingCounts = 50_000;
    private readonly TimeSpan _countsFlushInterval = TimeSpan.FromMilliseconds(options.Value.EntityCountsFlushMilliseconds);
    private long _lastCountsFlush = System.Diagnostics.Stopwatch.GetTimestamp();

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
        using var probeTimer = StartProbeTimer(stoppingToken);
        var reader = queue.Reader;
        var batch = new List<IngestionWorkItem>();
        queue.WriterRunning = true;
        try
        {
            while (await WaitForWorkAsync(reader))
            {
                await CollectAsync(reader, batch);
                await ProcessAsync(batch);
                batch.Clear();
            }
            // Drained for shutdown: the counts still waiting are written before the store closes.
            if (_memory.WaitingCounts > 0) await FlushCountsAsync();
        }
        finally
        {
            queue.WriterRunning = false;
            _retentionPause?.Dispose();
            if (_store is not null) await _store.DisposeAsync();
        }
    }

    /// <summary>
    /// Waits for the next work item; while visitor and account counts wait (see <see cref="EntityRows"/>), no longer than
    /// their flush is due, and flushes them in a commit of their own when nothing arrives. False once the queue is closed and empty.
    /// </summary>
    private async Task<bool> WaitForWorkAsync(System.Threading.Channels.ChannelReader<IngestionWorkItem> reader)
    {
        while (_memory.WaitingCounts > 0)
        {
            var due = _countsFlushInterval - System.Diagnostics.Stopwatch.GetElapsedTime(_lastCountsFlush);
            if (due > TimeSpan.Zero)
            {
                using var wait = new CancellationTokenSource(due);
                try
                {
                    return await reader.WaitToReadAsync(wait.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
            await FlushCountsAsync();
        }
        return await reader.WaitToReadAsync(CancellationToken.None);
    }

    /// <summary>Before any write: a field deleted meanwhile must not come back from what this writer remembers or holds waiting.</summary>
    private void ApplyCatalogueInvalidations()
    {
        while (queue.TryTakeInvalidation(out var app))
        {
            _memory.ForgetCatalogue(app);
            if (app is null) _memory.Forget();
        }
    }

    private async Task FlushCountsAsync()
    {
        ApplyCatalogueInvalidations();
        // While the database refuses writes the probe finds out when it is back; the counts keep meanwhile.
        if (health.IsHealthy) await TryWriteAsync([], time.GetUtcNow(), flushCounts: true);
        // Failed or skipped: the next try is an interval away, not a busy loop.
        _lastCountsFlush = System.Diagnostics.Stopwatch.GetTimestamp();
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
        ApplyCatalogueInvalidations();

        var now = time.GetUtcNow();
        var requests = batch.OfType<RequestWorkItem>().ToList();
        if (requests.Count > 0)
        {
            // The forwarder's outcomes ride along in the batch's transaction: no commit (and fsync) of their own.
            var outcome = await TryWriteAsync(requests, now, batch.OfType<OutboxOutcomesWorkItem>().ToList());
            // One poisoned request must not sink its neighbours: after a failed batch each request is retried alone.
            for (var i = 0; outcome == WriteOutcome.Failed && i < requests.Count; i++)
            {
                if (requests.Count == 1) { Fail(requests[0]); break; }
                // The failed batch merged into these aggregates: rebuild from the messages instead.
                if (requests[i] is MessagesWorkItem messages) messages.Aggregate = null;
                var alone = await TryWriteAsync([requests[i]], now);
                if (alone == WriteOutcome.Failed) Fail(requests[i]);
                if (alone == WriteOutcome.Unavailable) { outcome = alone; requests = requests[i..]; }
            }
            if (outcome == WriteOutcome.Unavailable)
            {
                // The database refuses writes (locked, full, gone): waiting again per request would turn the queue away one
                // bounded wait at a time. Everything that is waiting now gets its 503 at once.
                foreach (var item in requests) Fail(item);
                ShedQueued(batch);
            }
        }
        _faults.Flush();
        var outboxOutcomes = batch.OfType<OutboxOutcomesWorkItem>().Where(i => !i.Completion.Task.IsCompleted).ToList();
        if (outboxOutcomes.Count > 0) await WriteOutboxOutcomesAsync(outboxOutcomes);
        foreach (var item in batch.OfType<ExclusiveWorkItem>()) await RunExclusiveAsync(item);

        // While the database refuses writes only the probe's prune runs: anything else would add a bounded wait of its own.
        var housekeeping = batch.Exists(i => i is HousekeepingWorkItem)
            || (health.IsHealthy && now - _lastPrune >= TimeSpan.FromSeconds(_options.LogPruneIntervalSeconds));
        // After the waiters are answered, so neither is on a request's path. Housekeeping finishes the index when traffic stops.
        if (_store is { } store && health.IsHealthy)
        {
            try { await store.HousekeepAsync(housekeeping, CancellationToken.None); }
            catch (Exception ex) { LogHousekeepingFailed(logger, ex); }
        }
        if (housekeeping)
        {
            Volatile.Write(ref _prunePending, 0);
            Volatile.Write(ref _probePending, 0);
            await PruneAsync(now);
        }
        var retention = batch.OfType<RetentionWorkItem>().ToList();
        if ((housekeeping || retention.Count > 0) && health.IsHealthy)
        {
            var deleted = await ApplyRetentionAsync(now);
            foreach (var item in retention) item.Deleted = deleted;
        }
        foreach (var item in batch)
            if (item is HousekeepingWorkItem or RetentionWorkItem) item.Completion.TrySetResult(new IngestionResult(IngestionStatus.Ok, []));
    }

    private async Task RunExclusiveAsync(ExclusiveWorkItem item)
    {
        if (item.Forget is { } forget)
        {
            var rows = forget.Kind == Metadata.FieldKind.Visitor ? _memory.Visitors : _memory.Accounts;
            foreach (var id in forget.Ids) rows.Forget(forget.ApplicationId, id);
        }
        try
        {
            item.Result = await item.Work(CancellationToken.None);
        }
        catch (Exception ex)
        {
            item.Error = ex;
        }
        item.Completion.TrySetResult(new IngestionResult(IngestionStatus.Ok, []));
    }

    /// <summary>
    /// One chunk of expired track events. The chunk is sized to take at most <see cref="RetentionOptions.MaxChunkMilliseconds"/>
    /// (halved when slower, doubled when well under), and while requests are waiting the next chunk comes only after
    /// three times as long as this one took: a clean-up of millions of rows takes a quarter of the writer's time at most.
    /// </summary>
    private async Task<int> ApplyRetentionAsync(DateTimeOffset now)
    {
        var retention = _options.Retention;
        if (retention.TrackEventDays is not { } days) return 0;
        Volatile.Write(ref _retentionPending, 0);
        try
        {
            _store ??= await storeFactory.OpenAsync(CancellationToken.None);
            _retentionChunk = Math.Clamp(_retentionChunk, MinRetentionChunk, retention.ChunkSize);
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var deleted = await _store.DeleteExpiredTrackEventsAsync(now - TimeSpan.FromDays(days), _retentionChunk, CancellationToken.None);
            var took = System.Diagnostics.Stopwatch.GetElapsedTime(started);
            if (took.TotalMilliseconds > retention.MaxChunkMilliseconds) _retentionChunk /= 2;
            else if (took.TotalMilliseconds < retention.MaxChunkMilliseconds / 2.0) _retentionChunk *= 2;
            if (deleted > 0 && Interlocked.Exchange(ref _retentionPending, 1) == 0)
            {
                if (queue.Depth == 0) EnqueueRetention();
                else
                {
                    _retentionPause?.Dispose();
                    _retentionPause = time.CreateTimer(_ => EnqueueRetention(), null, took * 3 + TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan);
                }
            }
            return deleted;
        }
        catch (Exception ex)
        {
            if (StoreFaults.IsUnavailable(ex)) health.Failed(StoreFaults.Describe(ex), time.GetUtcNow());
            LogRetentionFailed(logger, ex);
            return 0;
        }
    }

    /// <summary>The forwarder's results of its passes, in one transaction; refused at once while the database refuses writes.</summary>
    private async Task WriteOutboxOutcomesAsync(List<OutboxOutcomesWorkItem> items)
    {
        try
        {
            if (!health.IsHealthy) throw new InvalidOperationException("The database refuses writes; the forwarder tries again later.");
            _store ??= await storeFactory.OpenAsync(CancellationToken.None);
            await _store.WriteOutboxOutcomesAsync(items.ConvertAll(i => i.Outcomes), CancellationToken.None);
            foreach (var item in items) item.Completion.TrySetResult(new IngestionResult(IngestionStatus.Ok, []));
        }
        catch (Exception ex)
        {
            if (StoreFaults.IsUnavailable(ex)) health.Failed(StoreFaults.Describe(ex), time.GetUtcNow());
            foreach (var item in items) item.Completion.TrySetException(ex);
        }
    }

    private void EnqueueRetention()
    {
        if (!queue.TryEnqueue(new RetentionWorkItem())) Volatile.Write(ref _retentionPending, 0);
    }

    /// <summary>Runs one retention chunk through the queue and returns how many events it deleted (0: nothing expired is left).</summary>
    internal async Task<int> ApplyRetentionNowAsync()
    {
        var item = new RetentionWorkItem();
        if (!queue.TryEnqueue(item)) return 0;
        await item.Completion.Task;
        return item.Deleted;
    }

    private enum WriteOutcome { Committed, Failed, Unavailable }

    private async Task<WriteOutcome> TryWriteAsync(IReadOnlyList<RequestWorkItem> items, DateTimeOffset now,
        List<OutboxOutcomesWorkItem>? outboxOutcomes = null, bool flushCounts = false)
    {
        var keys = items.Where(i => i.KeyId is { } k && (!_keyTouched.TryGetValue(k, out var at) || now - at >= KeyTouchInterval))
            .Select(i => i.KeyId!.Value).Distinct().Order().ToList();
        // Real elapsed time, as for batching: how often counts are written is about load, not about what the clock says.
        flushCounts |= _countsFlushInterval == TimeSpan.Zero || _memory.WaitingCounts >= MaxWaitingCounts
            || System.Diagnostics.Stopwatch.GetElapsedTime(_lastCountsFlush) >= _countsFlushInterval;
        var plan = new IngestionBatchPlan(items, now, keys, _options.MaxLoggedBodyBytes, _sampler, forwarding.Value.MessagesPerEntry, _planLists)
        {
            FlushEntityCounts = flushCounts,
            OutboxOutcomes = outboxOutcomes?.ConvertAll(i => i.Outcomes) ?? [],
        };
        plan.StartPackingOutbox();
        bool newFields;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            _store ??= await storeFactory.OpenAsync(CancellationToken.None);
            newFields = await _store.WriteAsync(plan, _memory, CancellationToken.None);
        }
        catch (Exception ex)
        {
            _faults.Report(ex, items.Count);
            // The transaction rolled back: what the caches learnt from it is no longer true.
            _memory.Forget();
            var unavailable = StoreFaults.IsUnavailable(ex);
            metrics.CommitFailed(unavailable);
            if (!unavailable) return WriteOutcome.Failed;
            health.Failed(StoreFaults.Describe(ex), time.GetUtcNow());
            return WriteOutcome.Unavailable;
        }

        if (flushCounts) _lastCountsFlush = System.Diagnostics.Stopwatch.GetTimestamp();
        health.Committed();
        if (items.Count == 0) return WriteOutcome.Committed;
        metrics.Committed(plan.Events.Count, plan.StoredCount, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        foreach (var key in keys) _keyTouched[key] = now;
        plan.Complete();
        foreach (var item in outboxOutcomes ?? []) item.Completion.TrySetResult(new IngestionResult(IngestionStatus.Ok, []));
        notifications.Publish(plan.Committed(newFields));
        return WriteOutcome.Committed;
    }

    /// <summary>Answers everything queued behind a batch the database refused: 503 now instead of one bounded wait each.</summary>
    private void ShedQueued(List<IngestionWorkItem> batch)
    {
        while (queue.Reader.TryRead(out var item))
        {
            if (item is RequestWorkItem request) Fail(request);
            else batch.Add(item); // housekeeping and retention items are answered with the batch
        }
    }

    /// <summary>Prunes the ingestion log now, through the writer, and returns once done (or at once when the queue is closed).</summary>
    internal Task PruneNowAsync()
    {
        var item = new HousekeepingWorkItem();
        return queue.TryEnqueue(item) ? item.Completion.Task : Task.CompletedTask;
    }

    // A refused request's answer does not depend on its log entry being stored.
    private static void Fail(RequestWorkItem item) =>
        item.Completion.TrySetResult(item is RefusedWorkItem refused ? refused.Result : IngestionService.Unavailable(item.Parsed));

    private async Task PruneAsync(DateTimeOffset now)
    {
        _lastPrune = now;
        try
        {
            _store ??= await storeFactory.OpenAsync(CancellationToken.None);
            var removed = await _store.PruneAsync(now, _sampler.SampledApps, CancellationToken.None);
            // Pruning writes: when the writer was refused, a prune that commits shows the database takes writes again.
            health.Committed();
            _sampler.SampledApps.Clear();
            // A full chunk means more is due: come back soon rather than in a whole interval.
            if (removed >= 5000) _lastPrune = now - TimeSpan.FromSeconds(_options.LogPruneIntervalSeconds) + TimeSpan.FromSeconds(1);
        }
        catch (Exception ex)
        {
            if (StoreFaults.IsUnavailable(ex)) health.Failed(StoreFaults.Describe(ex), time.GetUtcNow());
            if (health.IsHealthy) LogPruneFailed(logger, ex); else _faults.Report(ex, 0);
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

    /// <summary>
    /// While the database refuses writes, a probe (a prune, which writes) runs every Retry-After interval, so readiness
    /// recovers when the database does, even with no traffic (a load balancer sends none to an unready instance).
    /// </summary>
    private ITimer StartProbeTimer(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(_options.RetryAfterSeconds);
        return time.CreateTimer(_ =>
        {
            _faults.Flush();
            if (stoppingToken.IsCancellationRequested || health.IsHealthy || Interlocked.Exchange(ref _probePending, 1) == 1) return;
            if (!queue.TryEnqueue(new HousekeepingWorkItem())) Volatile.Write(ref _probePending, 0);
        }, null, interval, interval);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingestion store housekeeping failed")]
    private static partial void LogHousekeepingFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting expired track events failed; the next pass tries again")]
    private static partial void LogRetentionFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingestion log pruning failed")]
    private static partial void LogPruneFailed(ILogger logger, Exception exception);
}
