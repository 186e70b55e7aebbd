using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Events;

namespace Portal.Core.Visitors;

/// <summary>
/// The deferred visitor → track events index: <see cref="CatchUpCommand"/> indexes every track event past the
/// watermark in one sorted insert (so a visitor's index page is written once per catch-up, not once per
/// commit), and <see cref="RecentAsync"/> reads the index plus the not-yet-indexed tail, so a visitor's
/// newest events show whether or not the catch-up has run.
/// </summary>
internal static class VisitorTrackIndex
{
    public const string WatermarkName = "VisitorTrackEvents";

    // Ids only grow and events are inserted by one writer at a time, so "Id > watermark" is exactly what is missing.
    // Sorting first turns the inserts into one pass along the index.
    private const string CatchUpSql = $"""
        INSERT OR IGNORE INTO VisitorTrackEvents (ApplicationId, VisitorId, EventId)
        SELECT ApplicationId, VisitorId, Id FROM Events
        WHERE Id > coalesce((SELECT EventId FROM IndexWatermarks WHERE Name = '{WatermarkName}'), 0)
          AND Type = 'track' AND VisitorId IS NOT NULL
        ORDER BY ApplicationId, VisitorId, Id;
        INSERT INTO IndexWatermarks (Name, EventId) SELECT '{WatermarkName}', coalesce(max(Id), 0) FROM Events WHERE true
        ON CONFLICT (Name) DO UPDATE SET EventId = excluded.EventId;
        """;

    /// <summary>A command that brings the index up to date when executed (inside the caller's transaction, if it sets one).</summary>
    public static SqliteCommand CatchUpCommand(SqliteConnection connection)
    {
        var command = connection.CreateCommand();
        command.CommandText = CatchUpSql;
        return command;
    }

    /// <summary>A visitor's newest track events, newest first.</summary>
    public static async Task<List<SegmentEvent>> RecentAsync(PortalDbContext db, Guid applicationId, string visitorId, int count,
        CancellationToken cancellationToken)
    {
        // PostgreSQL keeps a plain partial index on (ApplicationId, VisitorId, Id) for track events (see PostgresPortalDbContext).
        if (!db.Database.IsSqlite())
        {
            return await db.Events.AsNoTracking()
                .Where(e => e.ApplicationId == applicationId && e.VisitorId == visitorId && e.Type == EventIndexQueries.Track)
                .OrderByDescending(e => e.Id).Take(count).ToListAsync(cancellationToken);
        }
        var watermark = await db.IndexWatermarks.AsNoTracking().Where(w => w.Name == WatermarkName)
            .Select(w => (long?)w.EventId).FirstOrDefaultAsync(cancellationToken) ?? 0;
        // The tail past the watermark is at most a few seconds of traffic: a rowid range, read newest first.
        // NOT INDEXED keeps the planner off the (ApplicationId, Type, Name) index, which would walk every track event.
        var tail = await db.Events.FromSql($"SELECT * FROM Events NOT INDEXED WHERE Id > {watermark}").AsNoTracking()
            .Where(e => e.ApplicationId == applicationId && e.VisitorId == visitorId && e.Type == EventIndexQueries.Track)
            .OrderByDescending(e => e.Id).Take(count)
            .ToListAsync(cancellationToken);
        var indexed = await db.VisitorTrackEvents.AsNoTracking()
            .Where(v => v.ApplicationId == applicationId && v.VisitorId == visitorId)
            .OrderByDescending(v => v.EventId).Take(count)
            .Join(db.Events.AsNoTracking(), v => v.EventId, e => e.Id, (_, e) => e)
            .ToListAsync(cancellationToken);
        // A catch-up between the two reads can put an event in both.
        return [.. tail.Concat(indexed).DistinctBy(e => e.Id).OrderByDescending(e => e.Id).Take(count)];
    }
}
