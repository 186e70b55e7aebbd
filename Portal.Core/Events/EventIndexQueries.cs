using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Core.Events;

/// <summary>
/// Index-backed reads of the Events table. Every query here is a seek on (ApplicationId, Type, Name, Id)
/// or a rowid range: nothing reads the whole table to draw a page. A visitor's events go through
/// <see cref="Visitors.VisitorTrackIndex"/>.
/// </summary>
internal static class EventIndexQueries
{
    public const string Track = "track";
    public const string Identify = "identify";
    public const string Group = "group";

    /// <summary>
    /// The distinct track event names with the id of each name's newest event: a loose index scan (one
    /// seek per name), so it costs per distinct name, not per event. Identifiers are quoted for PostgreSQL; SQLite reads them the same.
    /// </summary>
    public static Task<List<NameWithLastId>> TrackNamesAsync(PortalDbContext db, Guid applicationId, CancellationToken cancellationToken) =>
        db.Database.SqlQuery<NameWithLastId>($"""
            WITH RECURSIVE names(n) AS (
                SELECT (SELECT MIN("Name") FROM "Events" WHERE "ApplicationId" = {applicationId} AND "Type" = 'track' AND "Name" IS NOT NULL)
                UNION ALL
                SELECT (SELECT MIN("Name") FROM "Events" WHERE "ApplicationId" = {applicationId} AND "Type" = 'track' AND "Name" > names.n)
                FROM names WHERE names.n IS NOT NULL
            )
            SELECT n AS "Name",
                   (SELECT MAX("Id") FROM "Events" WHERE "ApplicationId" = {applicationId} AND "Type" = 'track' AND "Name" = names.n) AS "LastId"
            FROM names WHERE n IS NOT NULL
            """).ToListAsync(cancellationToken);

    /// <summary>Newest id of identify or group events (their Name is null, so this is a seek to the end of the range).</summary>
    public static Task<long?> LastIdOfTypeAsync(PortalDbContext db, Guid applicationId, string type, CancellationToken cancellationToken) =>
        db.Events.Where(e => e.ApplicationId == applicationId && e.Type == type && e.Name == null)
            .MaxAsync(e => (long?)e.Id, cancellationToken);

    public static Task<bool> AnyOfTypeAsync(PortalDbContext db, Guid applicationId, string type, CancellationToken cancellationToken) =>
        db.Events.AnyAsync(e => e.ApplicationId == applicationId && e.Type == type, cancellationToken);

    /// <summary>When these events happened (their corrected timestamps), by id: what pages show as an event's time.</summary>
    public static async Task<Dictionary<long, DateTimeOffset>> TimestampsAsync(PortalDbContext db, IReadOnlyCollection<long> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0) return [];
        return await db.Events.AsNoTracking().Where(e => ids.Contains(e.Id))
            .Select(e => new { e.Id, e.Timestamp }).ToDictionaryAsync(e => e.Id, e => e.Timestamp, cancellationToken);
    }

    public static async Task<Dictionary<long, DateTimeOffset>> ReceivedAtAsync(PortalDbContext db, IReadOnlyCollection<long> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0) return [];
        return await db.Events.AsNoTracking().Where(e => ids.Contains(e.Id))
            .Select(e => new { e.Id, e.ReceivedAt }).ToDictionaryAsync(e => e.Id, e => e.ReceivedAt, cancellationToken);
    }

    /// <summary>
    /// The first event id received at or after <paramref name="since"/>, by binary search over the rowid.
    /// The writer assigns ids in commit order, so ReceivedAt grows with Id; this avoids an index on ReceivedAt.
    /// </summary>
    public static async Task<long?> FirstIdReceivedSinceAsync(PortalDbContext db, DateTimeOffset since, CancellationToken cancellationToken)
    {
        if (await db.Events.MaxAsync(e => (long?)e.Id, cancellationToken) is not { } hi) return null;
        if (await ReceivedAtOrAfterAsync(db, hi, cancellationToken) is not { } last || last.ReceivedAt < since) return null;
        var lo = await db.Events.MinAsync(e => e.Id, cancellationToken);
        // Invariant: the answer is the first id at or after some threshold in [lo, hi].
        while (lo < hi)
        {
            var mid = lo + (hi - lo) / 2;
            var probe = await ReceivedAtOrAfterAsync(db, mid, cancellationToken);
            if (probe is null || probe.Value.ReceivedAt >= since) hi = mid;
            else lo = probe.Value.Id + 1;
        }
        return lo;
    }

    private static async Task<(long Id, DateTimeOffset ReceivedAt)?> ReceivedAtOrAfterAsync(PortalDbContext db, long id, CancellationToken cancellationToken)
    {
        var row = await db.Events.AsNoTracking().Where(e => e.Id >= id).OrderBy(e => e.Id)
            .Select(e => new { e.Id, e.ReceivedAt }).FirstOrDefaultAsync(cancellationToken);
        return row is null ? null : (row.Id, row.ReceivedAt);
    }

    public static EventRow ToRow(SegmentEvent e) => new(e.Id, e.Type, e.Name, e.VisitorId, e.AccountId, e.GroupType, e.Timestamp, e.ReceivedAt,
        e.PayloadJson is null ? null : e.PayloadJson.Length <= 300 ? e.PayloadJson : e.PayloadJson[..300] + "…");

    internal sealed class NameWithLastId
    {
        public required string Name { get; init; }
        public long? LastId { get; init; }
    }
}
