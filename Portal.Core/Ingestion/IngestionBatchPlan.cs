using System.Diagnostics;
using System.Text;

namespace Portal.Core.Ingestion;

/// <summary>
/// One group commit, provider-neutral and without a database: which event rows to insert, and — once the
/// store says which of them were new (<see cref="Resolve"/>) — each message's outcome, the entity and catalogue
/// changes to write, one log entry and one answer per request. Stores only turn these rows into SQL.
/// </summary>
internal sealed class IngestionBatchPlan
{
    private readonly IReadOnlyList<RequestWorkItem> _items;
    private readonly RawBodySampler? _sampler;
    private readonly int _maxLoggedBodyBytes;
    private readonly List<PlannedEvent> _events;
    private readonly List<PlannedLogEntry> _log = [];
    private readonly List<PlannedEvent> _outbox;
    private readonly int _outboxEntryMessages;
    private List<PlannedOutboxEntry>? _outboxEntries;
    private bool[]? _allStored;
    private SpeculativeOutbox? _speculative;
    private readonly IngestionResult[] _results;
    private bool _resolved;

    public IngestionBatchPlan(IReadOnlyList<RequestWorkItem> items, DateTimeOffset now, IReadOnlyCollection<Guid> keysToTouch,
        int maxLoggedBodyBytes, RawBodySampler? sampler = null, int outboxEntryMessages = 1000, IngestionPlanLists? lists = null)
    {
        lists ??= new IngestionPlanLists();
        _events = lists.Events;
        _outbox = lists.Outbox;
        _events.Clear();
        _outbox.Clear();
        _outboxEntryMessages = outboxEntryMessages;
        _items = items;
        _sampler = sampler;
        _maxLoggedBodyBytes = maxLoggedBodyBytes;
        _results = new IngestionResult[items.Count];
        Now = now;
        KeysToTouch = keysToTouch;
        for (var i = 0; i < items.Count; i++)
        {
            ApplicationIds.Add(items[i].ApplicationId);
            if (items[i] is not MessagesWorkItem request) continue;
            foreach (var message in request.Parsed.Messages) _events.Add(new PlannedEvent(request.ApplicationId, request.ReceivedAt, message, i));
        }
    }

    public DateTimeOffset Now { get; }

    /// <summary>Every event row of the batch, in request order; the store answers for each one in the same order.</summary>
    public IReadOnlyList<PlannedEvent> Events => _events;

    public IReadOnlyCollection<Guid> KeysToTouch { get; }

    /// <summary>This commit also writes every visitor's, account's and catalogue row's waiting counts (see <see cref="EntityRows"/>, <see cref="FieldCounts"/>).</summary>
    public bool FlushEntityCounts { get; init; }
    public HashSet<Guid> ApplicationIds { get; } = [];

    /// <summary>Visitor, account, link and catalogue changes of the messages stored now (duplicates add nothing).</summary>
    public BatchAggregate Aggregate { get; } = new();

    public IReadOnlyList<PlannedLogEntry> LogEntries => _log;

    /// <summary>Messages stored by this batch (not duplicates) of applications that forward to Pendo, for the outbox.</summary>
    public IReadOnlyList<PlannedEvent> Outbox => _outbox;

    /// <summary>
    /// <see cref="Outbox"/> as outbox rows: per application one entry holding its messages as one JSON array, split past
    /// the entry limit (messages, or <see cref="MaxOutboxEntryBytes"/>), so forwarding costs the commit a row per
    /// application rather than one per message.
    /// </summary>
    public IReadOnlyList<PlannedOutboxEntry> OutboxEntries => _outboxEntries ??= TakeOutboxEntries();

    /// <summary>
    /// Starts packing, on another thread while the store inserts the events, the outbox entries this commit writes if every
    /// forwarded message turns out new, as nearly all do; <see cref="OutboxEntries"/> takes them then, and packs on the
    /// writer only when a duplicate changed what is queued. Compressing a commit's entries was ~3% of the writer's time per
    /// commit of single messages (0.03–0.05 of ~1.1 ms), and the writer is the one thread every request waits for; with
    /// this, 0.014–0.05 ms of it is left in runs on different days (the writer takes over, or waits, when the pool thread
    /// has not finished; on a busy two-core machine it often has not).
    /// </summary>
    public void StartPackingOutbox()
    {
        if (_speculative is not null || _resolved) return;
        var forwarded = 0;
        foreach (var item in _items)
            if (item is MessagesWorkItem { Forward: true } request) forwarded += request.Parsed.Messages.Count;
        if (forwarded == 0) return;
        _speculative = new SpeculativeOutbox(forwarded, () => PlanOutboxEntries(ForwardedEvents(), _ => true));
    }

    /// <summary>
    /// The events of the requests that forward, in order, made from the requests rather than copied into a list: a list of
    /// a large commit's events lands on the large object heap (see <see cref="IngestionPlanLists"/>; one made per commit here
    /// brought back 3–5 full collections every 5 s of 100-message batches), and the plan's own lists are reused by the next
    /// commit while a dropped pack may still be reading.
    /// </summary>
    private IEnumerable<PlannedEvent> ForwardedEvents()
    {
        for (var i = 0; i < _items.Count; i++)
        {
            if (_items[i] is not MessagesWorkItem { Forward: true } request) continue;
            foreach (var message in request.Parsed.Messages) yield return new PlannedEvent(request.ApplicationId, request.ReceivedAt, message, i);
        }
    }

    internal const int MaxOutboxEntryBytes = 4 * 1024 * 1024;

    /// <summary>The forwarder's outcomes to write in the same transaction (see <see cref="IIngestionStore.WriteOutboxOutcomesAsync"/>).</summary>
    public IReadOnlyList<Forwarding.OutboxOutcomes> OutboxOutcomes { get; init; } = [];

    /// <summary>Messages stored by this batch (not duplicates).</summary>
    public int StoredCount { get; private set; }

    /// <summary>
    /// Takes the store's answer — for each of <see cref="Events"/>, true when the row was inserted, false when
    /// (application, messageId) already existed — and derives outcomes, aggregate, log entries and answers.
    /// </summary>
    public void Resolve(IReadOnlyList<bool> stored)
    {
        if (stored.Count != _events.Count) throw new ArgumentException($"Expected {_events.Count} answers, got {stored.Count}.", nameof(stored));
        if (_resolved) throw new InvalidOperationException("The plan is already resolved.");
        _resolved = true;

        var allStored = _allStored = new bool[_items.Count];
        Array.Fill(allStored, true);
        for (var e = 0; e < _events.Count; e++)
        {
            var (_, _, message, itemIndex) = _events[e];
            // Parsers add exactly one outcome per message index, in order.
            var outcome = _items[itemIndex].Parsed.Outcomes[message.Index];
            outcome.Outcome = stored[e] ? MessageOutcomeKind.Accepted : MessageOutcomeKind.Duplicate;
            // Set either way: a batch that failed and is retried request by request resolves the same outcomes again.
            outcome.Forwarded = stored[e] && _items[itemIndex] is MessagesWorkItem { Forward: true };
            if (stored[e])
            {
                StoredCount++;
                if (outcome.Forwarded) _outbox.Add(_events[e]);
            }
            else allStored[itemIndex] = false;
        }

        for (var i = 0; i < _items.Count; i++)
        {
            var item = _items[i];
            if (item is MessagesWorkItem request)
            {
                if (allStored[i] && request.Aggregate is { } ready) Aggregate.Merge(ready);
                else
                {
                    // Duplicates must not count again: fold only the messages that were stored now.
                    foreach (var message in request.Parsed.Messages)
                        if (request.Parsed.Outcomes[message.Index].Outcome == MessageOutcomeKind.Accepted) Aggregate.Add(request.ApplicationId, message);
                }
                _results[i] = new IngestionResult(request.Parsed.HasInvalid ? IngestionStatus.Invalid : IngestionStatus.Ok, request.Parsed.Outcomes);
            }
            else _results[i] = ((RefusedWorkItem)item).Result;
            _log.Add(LogEntry(item, _results[i]));
        }
    }

    private List<PlannedOutboxEntry> TakeOutboxEntries()
    {
        if (_speculative is { } speculative)
        {
            // The outbox holds the stored ones of the forwarded messages, in order: as many means all of them.
            if (_outbox.Count == speculative.Messages) return speculative.Take();
            speculative.Drop();
        }
        return _outbox.Count == 0 ? [] : PlanOutboxEntries(_outbox, i => _allStored![i]);
    }

    /// <summary>
    /// <paramref name="outbox"/> (the messages to queue, in request order) as entries; <paramref name="allStored"/> says
    /// whether every message of a request was stored, so that the entries packed on its thread stand for it.
    /// </summary>
    private List<PlannedOutboxEntry> PlanOutboxEntries(IEnumerable<PlannedEvent> outbox, Func<int, bool> allStored)
    {
        var entries = new List<PlannedOutboxEntry>();
        // Requests whose entries were packed on their own thread: those entries as they are, and their leading messages
        // skipped below (every message of such a request was stored, so its outbox messages are its messages, in order).
        int[]? skip = null;
        for (var i = 0; i < _items.Count; i++)
        {
            if (_items[i] is not MessagesWorkItem { Forward: true, Packed: { } packed } || !allStored(i)) continue;
            entries.AddRange(packed.Entries);
            (skip ??= new int[_items.Count])[i] = packed.Messages;
        }
        // Not GroupBy: its groups grow arrays of events that, for a large commit, land on the large object heap.
        var applications = new List<Guid>();
        foreach (var planned in outbox)
            if (!applications.Contains(planned.ApplicationId)) applications.Add(planned.ApplicationId);
        var messages = new List<ReadOnlyMemory<byte>>();
        var ids = new List<string>();
        foreach (var application in applications)
        {
            var bytes = 0;
            foreach (var planned in outbox)
            {
                if (planned.ApplicationId != application) continue;
                if (skip is not null && skip[planned.ItemIndex] > 0)
                {
                    skip[planned.ItemIndex]--;
                    continue;
                }
                var json = planned.Message.RawJson;
                if (messages.Count > 0 && (messages.Count >= _outboxEntryMessages || bytes + json.Length > MaxOutboxEntryBytes))
                {
                    entries.Add(PlannedOutboxEntry.Pack(application, ids, messages));
                    messages.Clear();
                    ids.Clear();
                    bytes = 0;
                }
                messages.Add(json);
                ids.Add(planned.Message.MessageId);
                bytes += json.Length;
            }
            if (messages.Count == 0) continue;
            entries.Add(PlannedOutboxEntry.Pack(application, ids, messages));
            messages.Clear();
            ids.Clear();
        }
        return entries;
    }

    /// <summary>After the commit: every waiting request gets its answer.</summary>
    public void Complete()
    {
        if (!_resolved) throw new InvalidOperationException("Resolve the plan before completing it.");
        for (var i = 0; i < _items.Count; i++) _items[i].Completion.TrySetResult(_results[i]);
    }

    public IngestionCommitted Committed(bool newFields) => new(ApplicationIds, StoredCount, newFields, NewLogEntries: true);

    private PlannedLogEntry LogEntry(RequestWorkItem item, IngestionResult result)
    {
        var parsed = item.Parsed;
        int accepted = 0, duplicates = 0, skipped = 0, invalid = 0;
        var firstError = result.Error ?? parsed.Error;
        foreach (var o in parsed.Outcomes)
        {
            switch (o.Outcome)
            {
                case MessageOutcomeKind.Accepted: accepted++; break;
                case MessageOutcomeKind.Duplicate: duplicates++; break;
                case MessageOutcomeKind.Skipped: skipped++; break;
                default:
                    invalid++;
                    firstError ??= $"message {o.Index}: {o.Reason}";
                    break;
            }
        }
        var keepBody = _sampler?.ShouldKeep(item, Now) == true || invalid > 0 || item is RefusedWorkItem;
        return new PlannedLogEntry(
            item.ReceivedAt, item.ApplicationId, item.KeyHint, item.Source, result.StatusCode,
            parsed.IdentifyCount, parsed.GroupCount, parsed.TrackCount, parsed.OtherCount,
            accepted, duplicates, skipped, invalid, firstError,
            parsed.Outcomes.Count == 0 ? null : OutcomesJson.Write(parsed.Outcomes),
            keepBody ? BodyText(item.Body) : null,
            Stopwatch.GetElapsedTime(item.StartTimestamp).TotalMilliseconds);
    }

    private string? BodyText(ReadOnlyMemory<byte> body)
    {
        if (body.IsEmpty) return null;
        var span = body.Span;
        if (span.Length > _maxLoggedBodyBytes) span = span[.._maxLoggedBodyBytes];
        return Encoding.UTF8.GetString(span);
    }
}

/// <summary>One event row to insert; <see cref="ItemIndex"/> is its request's position in the batch.</summary>
internal readonly record struct PlannedEvent(Guid ApplicationId, DateTimeOffset ReceivedAt, IngestMessage Message, int ItemIndex);

/// <summary>One outbox row: an application's messages of one commit, as <see cref="Forwarding.OutboxEntry"/> holds them.</summary>
internal sealed record PlannedOutboxEntry(Guid ApplicationId, string MessageIds, int Count, byte[] Body)
{
    /// <summary>An entry of these messages, their ids as a JSON array and their JSON joined and compressed (<see cref="Forwarding.OutboxBody.Pack"/>).</summary>
    public static PlannedOutboxEntry Pack(Guid applicationId, IReadOnlyList<string> ids, IReadOnlyList<ReadOnlyMemory<byte>> messages) =>
        new(applicationId, Forwarding.OutboxBody.Ids(ids), ids.Count, Forwarding.OutboxBody.Pack(messages));
}

/// <summary>One ingestion log row.</summary>
internal sealed record PlannedLogEntry(
    DateTimeOffset ReceivedAt, Guid ApplicationId, string? KeyHint, string Source, int StatusCode,
    int IdentifyCount, int GroupCount, int TrackCount, int OtherCount,
    int Accepted, int Duplicates, int Skipped, int Invalid, string? FirstError, string? OutcomesJson, string? RawBody, double DurationMs);
