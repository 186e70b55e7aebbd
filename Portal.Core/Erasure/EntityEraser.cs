using System.Diagnostics;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Forwarding;
using Portal.Core.Ingestion;
using Portal.Core.Metadata;

namespace Portal.Core.Erasure;

/// <summary>
/// Deletes visitors or accounts and everything that references them, without holding up ingestion: the rows keyed by the
/// id go in one short transaction, then their events in short transactions over ranges of event ids (no index on Events
/// by visitor or account, on purpose: see VisitorTrackEvent), so the writer commits between any two of them.
/// </summary>
/// <remarks>
/// Events stored after the first transaction are later messages: they stay, and (the writer's caches told to forget the
/// ids) recreate the visitor or account afresh.
/// </remarks>
public sealed class EntityEraser(IDbContextFactory<PortalDbContext> contextFactory, IngestionQueue queue, TimeProvider time)
{
    /// <summary>Event ids per delete transaction: a range scan of this many rows takes about as long as a normal commit.</summary>
    public int EventRangeSize { get; set; } = 10_000;

    /// <summary>Ids per statement: keeps the id list parameter small on both engines.</summary>
    public const int IdsPerPass = 5_000;

    private const string FindVisitorEventsSql =
        "SELECT Id AS Value FROM Events NOT INDEXED WHERE Id > {0} AND Id <= {1} AND ApplicationId = {2} AND VisitorId IN (SELECT value FROM json_each({3}))";
    private const string FindAccountEventsSql =
        "SELECT Id AS Value FROM Events NOT INDEXED WHERE Id > {0} AND Id <= {1} AND ApplicationId = {2} AND AccountId IN (SELECT value FROM json_each({3}))";

    public async Task<ErasureCounts> EraseAsync(Guid applicationId, FieldKind kind, IReadOnlyCollection<string> ids, IProgress<ErasureCounts>? progress = null,
        CancellationToken cancellationToken = default)
    {
        if (kind is not (FieldKind.Visitor or FieldKind.Account)) throw new ArgumentOutOfRangeException(nameof(kind));
        var total = new ErasureCounts(0, 0);
        foreach (var pass in ids.Distinct(StringComparer.Ordinal).Chunk(IdsPerPass))
        {
            var (entities, lastEventId, firstEventId) = await DeleteEntitiesAsync(applicationId, kind, pass, cancellationToken);
            queue.ForgetEntities(applicationId, kind, pass);
            total = total with { Entities = total.Entities + entities };
            progress?.Report(total);
            for (var low = firstEventId - 1; low < lastEventId; low += EventRangeSize)
            {
                var high = Math.Min(low + EventRangeSize, lastEventId);
                var started = Stopwatch.GetTimestamp();
                total = total with { Events = total.Events + await DeleteEventsAsync(applicationId, kind, pass, low, high, cancellationToken) };
                progress?.Report(total);
                // SQLite's writers take turns through a sleeping busy handler: starting the next chunk at once could win the lock
                // again and again while the ingestion writer sleeps. Pausing as long as the chunk took leaves it at least half the time.
                if (high < lastEventId) await Task.Delay(Pause(Stopwatch.GetElapsedTime(started)), cancellationToken);
            }
            // The writer's deferred visitor index may have caught up over these events while they were being deleted: its
            // rows for them would point at nothing. One look-up by key prefix clears them.
            if (kind == FieldKind.Visitor) await DeleteVisitorIndexAsync(applicationId, pass, cancellationToken);
        }
        return total;
    }

    private async Task DeleteVisitorIndexAsync(Guid app, string[] ids, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        await db.VisitorTrackEvents.Where(t => t.ApplicationId == app && ids.Contains(t.VisitorId)).ExecuteDeleteAsync(cancellationToken);
    }

    private static TimeSpan Pause(TimeSpan chunk) =>
        chunk < TimeSpan.FromMilliseconds(5) ? TimeSpan.FromMilliseconds(5) : chunk > TimeSpan.FromMilliseconds(200) ? TimeSpan.FromMilliseconds(200) : chunk;

    private async Task<(int Entities, long LastEventId, long FirstEventId)> DeleteEntitiesAsync(Guid app, FieldKind kind, string[] ids,
        CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        // SQLite: BEGIN IMMEDIATE, so the range read below and the deletes see the same, final state.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
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
        await transaction.CommitAsync(cancellationToken);
        return (entities, lastEventId, firstEventId);
    }

    private async Task<int> DeleteEventsAsync(Guid app, FieldKind kind, string[] ids, long low, long high, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        if (db.Database.IsSqlite())
        {
            // NOT INDEXED: without it SQLite's planner takes the equality on ApplicationId through an index and reads every event of
            // the application for each range (a full pass per chunk, holding the write lock for it); the rowid range stays usable.
            // Found with a read first (no lock in WAL mode), so a range holding none of the ids never takes the write lock the
            // ingestion writer needs; the delete is then a few rowid lookups.
            var sql = kind == FieldKind.Visitor ? FindVisitorEventsSql : FindAccountEventsSql;
            var found = await db.Database.SqlQueryRaw<long>(sql, low, high, app.ToString().ToUpperInvariant(), JsonSerializer.Serialize(ids))
                .ToListAsync(cancellationToken);
            if (found.Count == 0) return 0;
            var foundJson = JsonSerializer.Serialize(found);
            var messageIds = await db.Database.SqlQueryRaw<string>("SELECT MessageId AS Value FROM Events WHERE Id IN (SELECT value FROM json_each({0}))",
                foundJson).ToListAsync(cancellationToken);
            await OutboxErasure.RemoveAsync(db, app, messageIds, time.GetUtcNow(), cancellationToken);
            return await db.Database.ExecuteSqlRawAsync("DELETE FROM Events WHERE Id IN (SELECT value FROM json_each({0}))",
                [foundJson], cancellationToken);
        }
        var range = db.Events.Where(e => e.Id > low && e.Id <= high && e.ApplicationId == app);
        // An account's events are the ones that name it (group calls, and identify/track calls carrying its id); the
        // visitor index rows of erased track events of other visitors point at nothing and are skipped by every reader.
        range = kind == FieldKind.Visitor ? range.Where(e => ids.Contains(e.VisitorId!)) : range.Where(e => ids.Contains(e.AccountId!));
        await OutboxErasure.RemoveAsync(db, app, await range.Select(e => e.MessageId).ToListAsync(cancellationToken), time.GetUtcNow(), cancellationToken);
        return await range.ExecuteDeleteAsync(cancellationToken);
    }
}

/// <summary>How many visitors or accounts, and how many of their events, were deleted.</summary>
public sealed record ErasureCounts(int Entities, long Events);
