using System.Diagnostics;
using System.Text.RegularExpressions;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Events;
using Portal.Core.Forwarding;
using Portal.Core.Ingestion;
using Portal.Core.Metadata;

namespace Portal.Core.Erasure;

/// <summary>
/// Deletes visitors or accounts and everything that references them, without holding up ingestion: the rows keyed by the
/// ids go in short transactions over slices of the ids, then their events in short transactions over ranges of event ids
/// (no index on Events by visitor or account, on purpose: see VisitorTrackEvent). Each step runs through the ingestion writer's queue, between
/// two of its batches (<see cref="IngestionQueue.RunExclusiveAsync"/>): a step never waits for the writer's lock nor the
/// writer for a step's, and ingestion is held up by one step at a time, never by the whole erasure.
/// </summary>
/// <remarks>
/// The writer forgets each slice's ids (and the counts it had not written yet) in the step that deletes their rows. Events
/// stored after that step are later messages: they stay, and recreate the visitor or account afresh.
/// </remarks>
public sealed partial class EntityEraser(IDbContextFactory<PortalDbContext> contextFactory, IngestionQueue queue,
    Microsoft.Extensions.Options.IOptions<IngestionOptions> ingestion, TimeProvider time)
{
    /// <summary>
    /// Event ids per delete step to begin with. The size then follows <see cref="StepTarget"/>: halved after a slower step,
    /// doubled after a much quicker one, within an eighth and eight times this.
    /// </summary>
    public int EventRangeSize { get; set; } = 10_000;

    /// <summary>What one step may take: about a normal commit, so ingestion waits no longer for a step than for a commit.</summary>
    private static readonly TimeSpan StepTarget = TimeSpan.FromMilliseconds(10);

    /// <summary>Ids per statement: keeps the id list parameter small on both engines.</summary>
    public const int IdsPerPass = 5_000;

    /// <summary>
    /// Ids whose rows one step deletes to begin with (about 10 ms of work for visitors at 1M events on a two-core machine);
    /// then halved after a slower step and doubled after a much quicker one, from one id to <see cref="IdsPerPass"/>.
    /// </summary>
    public int EntitySliceSize { get; set; } = 32;

    private const string FindVisitorEventsSql =
        "SELECT Id AS Value FROM Events NOT INDEXED WHERE Id > {0} AND Id <= {1} AND ApplicationId = {2} AND VisitorId IN (SELECT value FROM json_each({3}))";
    private const string FindAccountEventsSql =
        "SELECT Id AS Value FROM Events NOT INDEXED WHERE Id > {0} AND Id <= {1} AND ApplicationId = {2} AND AccountId IN (SELECT value FROM json_each({3}))";

    public async Task<ErasureCounts> EraseAsync(Guid applicationId, FieldKind kind, IReadOnlyCollection<string> ids, IProgress<ErasureCounts>? progress = null,
        CancellationToken cancellationToken = default)
    {
        if (kind is not (FieldKind.Visitor or FieldKind.Account)) throw new ArgumentOutOfRangeException(nameof(kind));
        var total = new ErasureCounts(0, 0);
        await WarmUpAsync(kind, cancellationToken);
        foreach (var pass in ids.Distinct(StringComparer.Ordinal).Chunk(IdsPerPass))
        {
            var passStarted = Stopwatch.GetTimestamp();
            var (slices, firstEventId) = await DeleteEntitiesInSlicesAsync(applicationId, kind, pass, entities =>
            {
                total = total with { Entities = total.Entities + entities };
                progress?.Report(total);
            }, cancellationToken);
            var (size, smallest, largest) = (EventRangeSize, Math.Max(1, EventRangeSize / 8), EventRangeSize * 8);
            var lastEventId = slices[^1].LastEventId;
            for (var from = firstEventId - 1; from < lastEventId;)
            {
                var to = Math.Min(from + size, lastEventId);
                var segments = Segments(slices, from, to);
                // Queued behind the requests waiting now: under load, ingestion batches and erasure steps take turns.
                var (deleted, took) = await TimedStepAsync(ct => DeleteEventsAsync(applicationId, kind, segments, ct), null, cancellationToken);
                total = total with { Events = total.Events + deleted };
                progress?.Report(total);
                size = NextSize(size, took, smallest, largest);
                // Without a writer in this process (the CLI) a server's writer may still be running, and SQLite's writers take
                // turns through a sleeping busy handler: starting the next step at once could win the lock again and again
                // while that writer sleeps. Pausing as long as the step took leaves it at least half the time.
                if (!queue.WriterRunning && to < lastEventId) await Task.Delay(Pause(took), cancellationToken);
                from = to;
            }
            // The writer's deferred visitor index may have caught up over these events while they were being deleted: its
            // rows for them would point at nothing. A look-up by key prefix per slice clears them (not the rows of later events).
            if (kind == FieldKind.Visitor)
                foreach (var group in GroupSlices(slices))
                    await queue.RunExclusiveAsync(ct => DeleteVisitorIndexAsync(applicationId, group, ct), null, cancellationToken);
            await ScrubLoggedBodiesAsync(applicationId, pass, cancellationToken);
            await SweepRowsBroughtBackAsync(applicationId, kind, slices, passStarted, cancellationToken);
        }
        return total;
    }

    /// <summary>
    /// The rows keyed by the ids go a slice of ids at a time, each slice in one step that also makes the writer forget them and
    /// notes the last event stored before it (its mark): a thousand visitors' rows, memberships and index rows in one
    /// transaction would hold ingestion up for a few hundred milliseconds. The slice size follows <see cref="StepTarget"/>
    /// like the event ranges. A message for an id arriving after its slice's step is a later message (it creates the id
    /// afresh and its events stay); one arriving before it is erased with the rest, its events being below the mark.
    /// </summary>
    private async Task<(List<ErasedSlice> Slices, long FirstEventId)> DeleteEntitiesInSlicesAsync(Guid app, FieldKind kind, string[] ids,
        Action<int> deleted, CancellationToken cancellationToken)
    {
        var slices = new List<ErasedSlice>();
        var firstEventId = 0L;
        for (var (offset, size) = (0, EntitySliceSize); offset < ids.Length;)
        {
            var slice = ids[offset..Math.Min(ids.Length, offset + size)];
            var (entities, lastEventId) = (0, 0L);
            var (_, took) = await TimedStepAsync(async ct =>
            {
                long first;
                (entities, lastEventId, first) = await DeleteEntitiesAsync(app, kind, slice, ct);
                if (slices.Count == 0) firstEventId = first;
                return entities;
            }, new ErasedEntities(app, kind, slice), cancellationToken);
            slices.Add(new ErasedSlice(slice, lastEventId));
            deleted(entities);
            offset += slice.Length;
            size = NextSize(size, took, 1, IdsPerPass);
            if (!queue.WriterRunning && offset < ids.Length) await Task.Delay(Pause(took), cancellationToken);
        }
        return (slices, firstEventId);
    }

    /// <summary>
    /// One step in the writer's turn (<see cref="IngestionQueue.RunExclusiveAsync"/>), timed inside it: the wait for the turn is
    /// ingestion's time, and counting it would shrink steps to nothing under load.
    /// </summary>
    private async Task<(long Result, TimeSpan Took)> TimedStepAsync(Func<CancellationToken, Task<long>> work, ErasedEntities? forget,
        CancellationToken cancellationToken)
    {
        var took = TimeSpan.Zero;
        var result = await queue.RunExclusiveAsync(async ct =>
        {
            var started = Stopwatch.GetTimestamp();
            try { return await work(ct); }
            finally { took = Stopwatch.GetElapsedTime(started); }
        }, forget, cancellationToken);
        return (result, took);
    }

    /// <summary>The next step's size: halved after a step slower than <see cref="StepTarget"/>, doubled after one under half of it.</summary>
    private static int NextSize(int size, TimeSpan took, int smallest, int largest) =>
        took > StepTarget ? Math.Max(smallest, size / 2) : took < StepTarget / 2 ? Math.Min(largest, size * 2) : size;

    /// <summary>Ids erased in one step, and the last event stored before it: their events up to it are theirs to delete.</summary>
    private sealed record ErasedSlice(string[] Ids, long LastEventId);

    /// <summary>An event-id range (Low, High] and the ids whose events in it are erased.</summary>
    private sealed record EventSegment(string[] Ids, long Low, long High);

    /// <summary>
    /// Splits (from, to] at the slices' marks: an event belongs to an erased id only up to its slice's mark (after it, it is a
    /// later message). Marks never fall from one slice to the next, so the ids still erased past a mark are a suffix.
    /// </summary>
    private static List<EventSegment> Segments(List<ErasedSlice> slices, long from, long to)
    {
        var segments = new List<EventSegment>();
        var first = 0;
        for (var low = from; low < to;)
        {
            while (slices[first].LastEventId <= low) first++;
            var high = Math.Min(to, slices[first].LastEventId);
            segments.Add(new EventSegment(slices.Skip(first).SelectMany(s => s.Ids).ToArray(), low, high));
            low = high;
        }
        return segments;
    }

    /// <summary>Consecutive slices, a step's worth of ids together (one look-up per id).</summary>
    private static IEnumerable<List<ErasedSlice>> GroupSlices(List<ErasedSlice> slices)
    {
        var (group, ids) = (new List<ErasedSlice>(), 0);
        foreach (var slice in slices)
        {
            if (group.Count > 0 && ids + slice.Ids.Length > IdsPerIndexStep)
            {
                yield return group;
                (group, ids) = ([], 0);
            }
            group.Add(slice);
            ids += slice.Ids.Length;
        }
        if (group.Count > 0) yield return group;
    }

    /// <summary>Ids whose visitor-index rows one clean-up step deletes (a prefix look-up each).</summary>
    private const int IdsPerIndexStep = 256;

    /// <summary>
    /// On PostgreSQL another instance's writer may hold counts for an erased id that it had not written yet (it was not told
    /// to forget them); its next flush would bring back a row with no events behind it. Once every such flush is due, rows of
    /// the erased ids that no event stored after their slice's step explains are deleted again. (SQLite has one writer, which
    /// forgot each slice's ids in its step.)
    /// </summary>
    private async Task SweepRowsBroughtBackAsync(Guid app, FieldKind kind, List<ErasedSlice> slices, long passStarted, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        if (!db.Database.IsNpgsql()) return;
        var flushesDue = TimeSpan.FromMilliseconds(ingestion.Value.EntityCountsFlushMilliseconds) + TimeSpan.FromSeconds(1) - Stopwatch.GetElapsedTime(passStarted);
        if (flushesDue > TimeSpan.Zero) await Task.Delay(flushesDue, cancellationToken);
        foreach (var (ids, lastEventId) in slices)
        {
            var later = db.Events.Where(e => e.Id > lastEventId && e.ApplicationId == app);
            if (kind == FieldKind.Visitor)
                await db.Visitors.Where(v => v.ApplicationId == app && ids.Contains(v.VisitorId) && !later.Any(e => e.VisitorId == v.VisitorId))
                    .ExecuteDeleteAsync(cancellationToken);
            else
                await db.Accounts.Where(a => a.ApplicationId == app && ids.Contains(a.AccountId) && !later.Any(e => e.AccountId == a.AccountId))
                    .ExecuteDeleteAsync(cancellationToken);
        }
    }

    /// <summary>
    /// The Ingestion log keeps a sample of raw request bodies: a body that names an erased id as a JSON string goes (the
    /// entry stays, without its body). One pass over the application's kept bodies, matching every string literal in them
    /// against the ids, so a long list of ids costs no more than a short one.
    /// </summary>
    private async Task ScrubLoggedBodiesAsync(Guid app, string[] ids, CancellationToken cancellationToken)
    {
        var erased = ids.ToHashSet(StringComparer.Ordinal);
        List<long> hits;
        await using (var db = await contextFactory.CreateDbContextAsync(cancellationToken))
        {
            var bodies = await db.IngestionLog.Where(l => l.ApplicationId == app && l.RawBody != null)
                .Select(l => new { l.Id, l.RawBody }).ToListAsync(cancellationToken);
            hits = bodies.Where(b => NamesAny(b.RawBody!, erased)).Select(b => b.Id).ToList();
        }
        if (hits.Count == 0) return;
        await queue.RunExclusiveAsync(async ct =>
        {
            await using var db = await contextFactory.CreateDbContextAsync(ct);
            return await db.IngestionLog.Where(l => hits.Contains(l.Id)).ExecuteUpdateAsync(s => s.SetProperty(l => l.RawBody, (string?)null), ct);
        }, null, cancellationToken);
    }

    // Any body, JSON or not (a refused request keeps its body too): every "…" literal, as written and unescaped.
    private static bool NamesAny(string body, HashSet<string> ids)
    {
        foreach (Match literal in StringLiteral().Matches(body))
        {
            var text = literal.Groups[1].Value;
            if (ids.Contains(text)) return true;
            if (text.Contains('\\'))
            {
                try { if (ids.Contains(Regex.Unescape(text))) return true; }
                catch (ArgumentException) { } // not a valid escape sequence: the literal as written was checked
            }
        }
        return false;
    }

    [GeneratedRegex("""
        "((?:[^"\\]|\\.)*)"
        """, RegexOptions.CultureInvariant)]
    private static partial Regex StringLiteral();

    private static TimeSpan Pause(TimeSpan step) =>
        step < TimeSpan.FromMilliseconds(5) ? TimeSpan.FromMilliseconds(5) : step > TimeSpan.FromMilliseconds(200) ? TimeSpan.FromMilliseconds(200) : step;

    private async Task<long> DeleteVisitorIndexAsync(Guid app, List<ErasedSlice> slices, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var deleted = 0L;
        foreach (var (ids, lastEventId) in slices)
            deleted += await db.VisitorTrackEvents.Where(t => t.ApplicationId == app && ids.Contains(t.VisitorId) && t.EventId <= lastEventId)
                .ExecuteDeleteAsync(cancellationToken);
        return deleted;
    }

    private async Task<(int Entities, long LastEventId, long FirstEventId)> DeleteEntitiesAsync(Guid app, FieldKind kind, string[] ids,
        CancellationToken cancellationToken, bool warmUp = false)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        // SQLite: BEGIN IMMEDIATE, so the range read below and the deletes see the same, final state.
        await using var transaction = warmUp ? null : await db.Database.BeginTransactionAsync(cancellationToken);
        var lastEventId = await db.Events.MaxAsync(e => (long?)e.Id, cancellationToken) ?? 0;
        var firstEventId = await db.Events.MinAsync(e => (long?)e.Id, cancellationToken) ?? 1;
        int entities;
        if (kind == FieldKind.Visitor)
        {
            entities = await db.Visitors.Where(v => v.ApplicationId == app && ids.Contains(v.VisitorId)).ExecuteDeleteAsync(cancellationToken);
            await db.VisitorAccounts.Where(l => l.ApplicationId == app && ids.Contains(l.VisitorId)).ExecuteDeleteAsync(cancellationToken);
            await db.VisitorTrackEvents.Where(t => t.ApplicationId == app && ids.Contains(t.VisitorId)).ExecuteDeleteAsync(cancellationToken);
        }
        else
        {
            entities = await db.Accounts.Where(a => a.ApplicationId == app && ids.Contains(a.AccountId)).ExecuteDeleteAsync(cancellationToken);
            await db.VisitorAccounts.Where(l => l.ApplicationId == app && ids.Contains(l.AccountId)).ExecuteDeleteAsync(cancellationToken);
        }
        await db.CustomValues.Where(c => c.ApplicationId == app && c.Kind == kind && ids.Contains(c.EntityId)).ExecuteDeleteAsync(cancellationToken);
        if (transaction is not null) await transaction.CommitAsync(cancellationToken);
        return (entities, lastEventId, firstEventId);
    }

    /// <summary>
    /// EF Core compiles each of these statements the first time it runs (~150 ms together on this kind of machine): once per
    /// kind and process, they run for no row first, each on its own, so the compiling never happens while the real first
    /// step holds the database's write lock (SQLite) or the ingestion writer's turn.
    /// </summary>
    private async Task WarmUpAsync(FieldKind kind, CancellationToken cancellationToken)
    {
        if (_warm.ContainsKey(kind)) return;
        // Guid.Empty is no application: nothing matches, whatever the id.
        string[] none = ["erasure-warm-up"];
        await DeleteEntitiesAsync(Guid.Empty, kind, none, cancellationToken, warmUp: true);
        await DeleteEventsAsync(Guid.Empty, kind, [new EventSegment(none, 0, 0)], cancellationToken);
        _warm.TryAdd(kind, true);
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<FieldKind, bool> _warm = new();

    private async Task<long> DeleteEventsAsync(Guid app, FieldKind kind, List<EventSegment> segments, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        if (db.Database.IsSqlite())
        {
            // NOT INDEXED: without it SQLite's planner takes the equality on ApplicationId through an index and reads every event of
            // the application for each range (a full pass per chunk, holding the write lock for it); the rowid range stays usable.
            // Found with a read first (no lock in WAL mode), so a range holding none of the ids never takes the write lock the
            // ingestion writer needs; the delete is then a few rowid lookups.
            var sql = kind == FieldKind.Visitor ? FindVisitorEventsSql : FindAccountEventsSql;
            var found = new List<long>();
            foreach (var (ids, low, high) in segments)
                found.AddRange(await db.Database.SqlQueryRaw<long>(sql, low, high, app.ToString().ToUpperInvariant(), JsonSerializer.Serialize(ids))
                    .ToListAsync(cancellationToken));
            if (found.Count == 0) return 0;
            var foundJson = JsonSerializer.Serialize(found);
            var messageIds = await db.Database.SqlQueryRaw<string>("SELECT MessageId AS Value FROM Events WHERE Id IN (SELECT value FROM json_each({0}))",
                foundJson).ToListAsync(cancellationToken);
            await OutboxErasure.RemoveAsync(db, app, messageIds, time.GetUtcNow(), cancellationToken);
            var erased = await db.Database.ExecuteSqlRawAsync("DELETE FROM Events WHERE Id IN (SELECT value FROM json_each({0}))",
                [foundJson], cancellationToken);
            await TrackEventCounts.CountErasureAsync(db, cancellationToken);
            return erased;
        }
        var deleted = 0L;
        foreach (var (ids, low, high) in segments)
        {
            var range = db.Events.Where(e => e.Id > low && e.Id <= high && e.ApplicationId == app);
            // An account's events are the ones that name it (group calls, and identify/track calls carrying its id); the
            // visitor index rows of erased track events of other visitors point at nothing and are skipped by every reader.
            range = kind == FieldKind.Visitor ? range.Where(e => ids.Contains(e.VisitorId!)) : range.Where(e => ids.Contains(e.AccountId!));
            await OutboxErasure.RemoveAsync(db, app, await range.Select(e => e.MessageId).ToListAsync(cancellationToken), time.GetUtcNow(), cancellationToken);
            deleted += await range.ExecuteDeleteAsync(cancellationToken);
        }
        if (deleted > 0) await TrackEventCounts.CountErasureAsync(db, cancellationToken);
        return deleted;
    }
}

/// <summary>How many visitors or accounts, and how many of their events, were deleted.</summary>
public sealed record ErasureCounts(int Entities, long Events);
