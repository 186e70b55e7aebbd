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
    private DateTimeOffset _lastPrune;
    private DateTimeOffset _lastFigures = DateTimeOffset.MinValue;

    /// <summary>
    /// Claims and sends what is due now; goes on while a claim comes back full (a backlog), so a pass under steady
    /// traffic ends once it has caught up. Returns how many messages were tried.
    /// </summary>
    public async Task<int> DeliverDueAsync(CancellationToken cancellationToken)
    {
        var tried = 0;
        var forwarding = await targets.LoadAsync(cancellationToken);
        if (forwarding.Count == 0) return 0;
        var backlog = true;
        while (backlog && !cancellationToken.IsCancellationRequested)
        {
            backlog = false;
            var now = time.GetUtcNow();
            var lease = now + TimeSpan.FromSeconds(_options.LeaseSeconds);
            var outcomes = new OutboxOutcomes(now);
            var entries = new List<PassEntry>();
            var requests = new List<(ForwardingTarget Target, PassMessage[] Messages)>();
            var room = _options.MessagesPerPass;
            foreach (var target in forwarding)
            {
                var claimed = await outbox.ClaimAsync(target.ApplicationId, room, now, lease, cancellationToken);
                backlog |= claimed.Sum(c => c.MessageIds.Length) >= room;
                var readable = new List<PassEntry>(claimed.Count);
                foreach (var entry in claimed)
                {
                    try { readable.Add(new PassEntry(target, entry)); }
                    catch (System.Text.Json.JsonException ex)
                    {
                        // Not something a retry can mend: kept as a dead letter, with why.
                        metrics.DeadLettered(entry.MessageIds.Length);
                        outcomes.Updated.Add(new OutboxUpdate(entry.Id, OutboxState.Dead, now, entry.Attempts, null, Clip($"The stored messages cannot be read: {ex.Message}")));
                    }
                }
                entries.AddRange(readable);
                // Requests in outbox order, a request possibly spanning entries; a whole entry goes as it is stored.
                foreach (var chunk in readable.SelectMany(e => e.All()).Chunk(_options.BatchSize)) requests.Add((target, chunk));
            }
            if (requests.Count == 0 && outcomes.IsEmpty) break;
            tried += requests.Sum(r => r.Messages.Length);
            try
            {
                await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = _options.Concurrency, CancellationToken = cancellationToken },
                    async (request, ct) => await SendAsync(request.Target, request.Messages, splitOnRefusal: true, ct));
            }
            finally
            {
                foreach (var entry in entries) entry.Settle(outcomes);
                // One write for everything the pass learnt, by the ingestion writer: never a second writer waiting for SQLite's lock.
                await outbox.RecordAsync(outcomes, cancellationToken);
                if (outcomes.Delivered > 0) metrics.Delivered(outcomes.Delivered);
            }
        }
        return tried;
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

    private async Task SendAsync(ForwardingTarget target, PassMessage[] messages, bool splitOnRefusal, CancellationToken cancellationToken)
    {
        int? status = null;
        string error;
        try
        {
            using var client = httpClients.CreateClient(HttpClientName);
            client.Timeout = TimeSpan.FromSeconds(_options.RequestTimeoutSeconds);
            client.MaxResponseContentBufferSize = 64 * 1024;
            using var content = Body(messages);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await client.PostAsync(target.Url, content, cancellationToken);
            status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                foreach (var message in messages) message.Result = Delivered.Instance;
                return;
            }
            error = await AnswerAsync(response, cancellationToken);
            if (!RetrySchedule.IsRetryable(status.Value))
            {
                // One bad message must not take its batch with it: each is tried alone and only the refused ones stay refused.
                if (splitOnRefusal && messages.Length > 1)
                {
                    foreach (var message in messages) await SendAsync(target, [message], splitOnRefusal: false, cancellationToken);
                    return;
                }
                LogRefused(logger, messages.Length, target.ApplicationId, status.Value);
                metrics.DeadLettered(messages.Length);
                var refused = new Failed(Dead: true, time.GetUtcNow(), status, $"{status} {error}".Trim());
                foreach (var message in messages) message.Result = refused;
                return;
            }
            error = $"{status} {error}".Trim();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down: the lease runs out and the messages come due again, here or on another instance.
            return;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            error = ex is TaskCanceledException ? $"no answer within {_options.RequestTimeoutSeconds} s" : Clip(ex.Message);
        }

        var now = time.GetUtcNow();
        var attempts = messages.Max(m => m.Entry.Claimed.Attempts);
        var giveUp = messages.Min(m => m.Entry.Claimed.EnqueuedAt) + TimeSpan.FromHours(_options.GiveUpAfterHours) <= now;
        LogRetrying(logger, messages.Length, target.ApplicationId, status, attempts);
        if (giveUp) metrics.DeadLettered(messages.Length); else metrics.Retrying(messages.Length);
        var failed = new Failed(giveUp, giveUp ? now : now + _retries.After(attempts), status, giveUp ? $"gave up after {attempts} attempts: {error}" : error);
        foreach (var message in messages) message.Result = failed;
    }

    /// <summary>
    /// One message as its own JSON object, as Segment sends it; several as a bare array, as Webhooks (Actions) batching
    /// does: a whole outbox entry is that array already, sent without a copy.
    /// </summary>
    private static HttpContent Body(PassMessage[] messages)
    {
        if (messages.Length == 1) return new ReadOnlyMemoryContent(messages[0].Json);
        var entry = messages[0].Entry;
        if (messages.Length == entry.Messages.Count && Array.TrueForAll(messages, m => m.Entry == entry)) return new ByteArrayContent(entry.Claimed.Body);
        return new ByteArrayContent(OutboxBody.Join(Array.ConvertAll(messages, m => m.Json)));
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
