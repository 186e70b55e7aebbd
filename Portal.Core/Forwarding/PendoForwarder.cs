using System.Net.Http.Headers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Ingestion;

namespace Portal.Core.Forwarding;

/// <summary>
/// Relays the outbox to Pendo: claims due entries of the applications that forward, posts their messages to
/// <c>{region}/data/segmentio/{pendo key}</c> (<see cref="ForwardingOptions.BatchSize"/> per request,
/// <see cref="ForwardingOptions.Concurrency"/> requests at once), removes them from the outbox on a 2xx, schedules a retry
/// with backoff on 5xx, 408, 429 and network errors, and dead-letters other answers with Pendo's status and text.
/// All timing goes through the <see cref="TimeProvider"/>. Log lines name applications, never URLs (they hold the key).
/// </summary>
public sealed partial class PendoForwarder(
    OutboxStore outbox,
    ForwardingTargets targets,
    IHttpClientFactory httpClients,
    IngestionNotifications notifications,
    ForwardingQueries queries,
    ForwardingMetrics metrics,
    IOptions<ForwardingOptions> options,
    IOptions<IngestionOptions> ingestion,
    TimeProvider time,
    ILogger<PendoForwarder> logger) : BackgroundService
{
    public const string HttpClientName = "Pendo";
    private const int MaxErrorLength = 1000;
    /// <summary>How long delivery counts are kept: the Forwarding tab shows the last hour.</summary>
    public static readonly TimeSpan DeliveryCountsKept = TimeSpan.FromHours(2);

    private readonly ForwardingOptions _options = options.Value;
    private readonly RetrySchedule _retries = new(options.Value);
    private readonly SemaphoreSlim _wake = new(0, 1);

    private const int MaxPassesRecording = 4;

    /// <summary>Entries whose outcomes are queued for the ingestion writer and not yet committed.</summary>
    private readonly HashSet<long> _recording = [];
    private DateTimeOffset _lastPrune;
    private DateTimeOffset _lastFigures = DateTimeOffset.MinValue;

    /// <summary>
    /// Claims and sends what is due now; goes on while a claim comes back full (a backlog), so a pass under steady
    /// traffic ends once it has caught up. Returns, once every outcome is committed, how many messages were tried.
    /// </summary>
    /// <remarks>
    /// A pass's outcomes wait in the ingestion writer's queue behind the requests queued before them; the next pass does not
    /// wait for them, it leaves their entries alone (<see cref="_recording"/>): under load the forwarder keeps up with
    /// ingestion instead of with the writer's queue.
    /// </remarks>
    public async Task<int> DeliverDueAsync(CancellationToken cancellationToken)
    {
        var tried = 0;
        var forwarding = await targets.LoadAsync(cancellationToken);
        if (forwarding.Count == 0) return 0;
        var recordings = new List<Task>();
        try
        {
            var backlog = true;
            while (backlog && !cancellationToken.IsCancellationRequested)
            {
                backlog = false;
                var now = time.GetUtcNow();
                var lease = now + TimeSpan.FromSeconds(_options.LeaseSeconds);
                var outcomes = new OutboxOutcomes(now);
                var claimedIds = new List<long>();
                var entries = new List<PassEntry>();
                var requests = new List<List<RequestPart>>();
                var room = _options.MessagesPerPass;
                var skip = Recording();
                foreach (var target in forwarding)
                {
                    var claimed = await outbox.ClaimAsync(target.ApplicationId, room, now, lease, cancellationToken, skip);
                    backlog |= claimed.Sum(c => c.Count) >= room;
                    claimedIds.AddRange(claimed.Select(c => c.Id));
                    var passEntries = claimed.Select(c => new PassEntry(target, c)).ToList();
                    entries.AddRange(passEntries);
                    requests.AddRange(Requests(passEntries));
                }
                if (claimedIds.Count == 0) break;
                tried += requests.Sum(r => r.Sum(p => p.Count));
                try
                {
                    await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = _options.Concurrency, CancellationToken = cancellationToken },
                        async (parts, ct) => await SendAsync(parts, splitOnRefusal: true, ct));
                }
                finally
                {
                    foreach (var entry in entries) entry.Settle(outcomes);
                    recordings.Add(RecordAsync(outcomes, claimedIds));
                }
                // A writer far behind holds the forwarder back after a few passes rather than letting outcomes pile up; one that
                // failed ends the pass (its messages are still due: sent again once the database takes writes).
                recordings.RemoveAll(r => r.IsCompletedSuccessfully);
                if (recordings.Count >= MaxPassesRecording) await Task.WhenAny(recordings).WaitAsync(cancellationToken);
                if (recordings.Exists(r => r.IsFaulted)) break;
            }
        }
        finally
        {
            await Task.WhenAll(recordings).WaitAsync(cancellationToken);
        }
        return tried;
    }

    /// <summary>
    /// One write for everything a pass learnt, by the ingestion writer: never a second writer waiting for SQLite's lock.
    /// Until it is committed the pass's entries stay out of claims (on SQLite a claim is a read and would hand them out again).
    /// </summary>
    private async Task RecordAsync(OutboxOutcomes outcomes, List<long> claimedIds)
    {
        lock (_recording) _recording.UnionWith(claimedIds);
        try
        {
            var committed = await outbox.RecordAsync(outcomes);
            if (await committed && outcomes.Delivered > 0) metrics.Delivered(outcomes.Delivered);
        }
        finally
        {
            lock (_recording) _recording.ExceptWith(claimedIds);
        }
    }

    private List<long> Recording()
    {
        lock (_recording) return [.. _recording];
    }

    /// <summary>Wakes an idle forwarder now (a commit, a Retry or a Replay) instead of at its next poll.</summary>
    public void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            try { _wake.Release(); }
            catch (SemaphoreFullException) { /* Already awake. */ }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        void OnCommitted(IngestionCommitted committed)
        {
            if (committed.EventCount > 0) Wake();
        }
        notifications.Committed += OnCommitted;
        try
        {
            _lastPrune = time.GetUtcNow();
            var passInterval = TimeSpan.FromMilliseconds(_options.PassIntervalMilliseconds);
            while (!stoppingToken.IsCancellationRequested)
            {
                TimeSpan wait;
                var passStarted = time.GetTimestamp();
                try
                {
                    await DeliverDueAsync(stoppingToken);
                    await PruneWhenDueAsync(stoppingToken);
                    await RefreshFiguresWhenDueAsync(stoppingToken);
                    wait = await UntilNextDueAsync(stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex)
                {
                    LogPassFailed(logger, ex);
                    wait = TimeSpan.FromMilliseconds(_options.PollMilliseconds);
                }
                try
                {
                    using var timeout = new CancellationTokenSource(wait, time);
                    using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, stoppingToken);
                    await _wake.WaitAsync(linked.Token);
                }
                catch (OperationCanceledException)
                {
                    // The poll interval passed, or the host is stopping: the loop condition decides.
                }
                // Commits wake the forwarder; spacing passes gathers many commits' messages into one claim and one update.
                var since = time.GetElapsedTime(passStarted);
                if (since < passInterval && !stoppingToken.IsCancellationRequested)
                {
                    try { await Task.Delay(passInterval - since, time, stoppingToken); }
                    catch (OperationCanceledException) { break; }
                }
            }
        }
        finally
        {
            notifications.Committed -= OnCommitted;
        }
    }

    private async Task<TimeSpan> UntilNextDueAsync(CancellationToken cancellationToken)
    {
        var poll = TimeSpan.FromMilliseconds(_options.PollMilliseconds);
        var forwarding = await targets.LoadAsync(cancellationToken);
        var next = await outbox.NextDueAsync(forwarding.Select(t => t.ApplicationId).ToList(), cancellationToken);
        if (next is not { } due) return poll;
        var until = due - time.GetUtcNow();
        return until <= TimeSpan.Zero ? TimeSpan.FromMilliseconds(1) : until < poll ? until : poll;
    }

    private async Task RefreshFiguresWhenDueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (now - _lastFigures < ForwardingMetrics.RefreshInterval) return;
        _lastFigures = now;
        var (waiting, oldest) = await queries.WaitingAsync(cancellationToken);
        metrics.Queue(waiting, oldest);
    }

    private async Task PruneWhenDueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (now - _lastPrune < TimeSpan.FromMinutes(1)) return;
        _lastPrune = now;
        // Tombstones tell the Ingestion log a message did not reach Pendo: they stay as long as its entries.
        var removed = await outbox.PruneAsync(now - DeliveryCountsKept, now - TimeSpan.FromDays(ingestion.Value.LogRetentionDays), cancellationToken);
        // A full chunk means more is due: come back at the next pass rather than in a minute.
        if (removed >= 5000) _lastPrune = DateTimeOffset.MinValue;
    }

    /// <summary>
    /// An application's claimed entries as requests of up to <see cref="ForwardingOptions.BatchSize"/> messages, in outbox
    /// order: small entries (a commit of few messages) share a request; an entry is cut only when it is larger than a request
    /// (the batch size was lowered since it was written).
    /// </summary>
    private IEnumerable<List<RequestPart>> Requests(List<PassEntry> entries)
    {
        var batch = _options.BatchSize;
        var parts = new List<RequestPart>();
        var count = 0;
        foreach (var entry in entries)
        {
            if (count > 0 && count + entry.Count > batch)
            {
                yield return parts;
                parts = [];
                count = 0;
            }
            if (entry.Count <= batch)
            {
                parts.Add(new RequestPart(entry, 0, entry.Count));
                count += entry.Count;
                continue;
            }
            for (var from = 0; from < entry.Count; from += batch) yield return [new RequestPart(entry, from, Math.Min(entry.Count, from + batch))];
        }
        if (count > 0) yield return parts;
    }

    /// <summary>Sends one request and marks what became of its messages.</summary>
    private async Task SendAsync(List<RequestPart> parts, bool splitOnRefusal, CancellationToken cancellationToken)
    {
        var entry = parts[0].Entry;
        var target = entry.Target;
        var request = new PendoRequest(parts);
        var count = request.Count;
        int? status = null;
        string error;
        try
        {
            using var client = httpClients.CreateClient(HttpClientName);
            client.Timeout = TimeSpan.FromSeconds(_options.RequestTimeoutSeconds);
            client.MaxResponseContentBufferSize = 64 * 1024;
            using var content = request;
            // Cut here, not while HttpClient writes the body: an unreadable entry is then told apart from a network error.
            _ = request.Slices;
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await client.PostAsync(target.Url, content, cancellationToken);
            status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                request.Mark(Delivered.Instance);
                return;
            }
            error = await AnswerAsync(response, cancellationToken);
            if (!RetrySchedule.IsRetryable(status.Value))
            {
                // One bad message must not take its batch with it: each is tried alone and only the refused ones stay refused.
                if (splitOnRefusal && count > 1)
                {
                    foreach (var part in parts)
                        for (var i = part.From; i < part.To; i++) await SendAsync([new RequestPart(part.Entry, i, i + 1)], splitOnRefusal: false, cancellationToken);
                    return;
                }
                LogRefused(logger, count, target.ApplicationId, status.Value);
                metrics.DeadLettered(count);
                request.Mark(new Failed(Dead: true, time.GetUtcNow(), status, $"{status} {error}".Trim()));
                return;
            }
            error = $"{status} {error}".Trim();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down: the lease runs out and the messages come due again, here or on another instance.
            return;
        }
        catch (System.Text.Json.JsonException ex)
        {
            // Entries sharing the request with an unreadable one go on without it.
            if (parts.Count > 1)
            {
                foreach (var part in parts) await SendAsync([part], splitOnRefusal, cancellationToken);
                return;
            }
            // Not something a retry can mend: kept as a dead letter, with why.
            metrics.DeadLettered(count);
            request.Mark(new Failed(Dead: true, time.GetUtcNow(), null, Clip($"The stored messages cannot be read: {ex.Message}"), Unreadable: true));
            return;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            error = ex is TaskCanceledException ? $"no answer within {_options.RequestTimeoutSeconds} s" : Clip(ex.Message);
        }

        var now = time.GetUtcNow();
        var attempts = parts.Max(p => p.Entry.Claimed.Attempts);
        var giveUp = parts.Min(p => p.Entry.Claimed.EnqueuedAt) + TimeSpan.FromHours(_options.GiveUpAfterHours) <= now;
        LogRetrying(logger, count, target.ApplicationId, status, attempts);
        if (giveUp) metrics.DeadLettered(count); else metrics.Retrying(count);
        request.Mark(new Failed(giveUp, giveUp ? now : now + _retries.After(attempts), status, giveUp ? $"gave up after {attempts} attempts: {error}" : error));
    }

    private static async Task<string> AnswerAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return Clip(text.Length > 0 ? text : response.ReasonPhrase ?? "");
    }

    private static string Clip(string text) => text.Length <= MaxErrorLength ? text : text[..MaxErrorLength] + "…";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pendo refused {Count} message(s) of application {ApplicationId} with {Status}; dead-lettered")]
    private static partial void LogRefused(ILogger logger, int count, Guid applicationId, int status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Forwarding {Count} message(s) of application {ApplicationId} failed (status {Status}, attempt {Attempts}); retrying later")]
    private static partial void LogRetrying(ILogger logger, int count, Guid applicationId, int? status, int attempts);

    [LoggerMessage(Level = LogLevel.Error, Message = "A forwarding pass failed")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);
}
