using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Events;

namespace Portal.Core.Dashboard;

/// <summary>The dashboard's numbers for one application; every figure is an index seek or count, or a rowid range of the last 24 h.</summary>
public sealed class DashboardService(IDbContextFactory<PortalDbContext> contextFactory, TimeProvider time)
{
    public const int Hours = 24;

    public async Task<DashboardSummary> GetAsync(Guid applicationId, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var visitors = await db.Visitors.CountAsync(v => v.ApplicationId == applicationId, cancellationToken);
        var accounts = await db.Accounts.CountAsync(a => a.ApplicationId == applicationId, cancellationToken);
        var fields = await db.MetadataFields.CountAsync(f => f.ApplicationId == applicationId, cancellationToken);

        var hasKey = await db.ApiKeys.AnyAsync(k => k.ApplicationId == applicationId, cancellationToken);
        var identify = await EventIndexQueries.LastIdOfTypeAsync(db, applicationId, EventIndexQueries.Identify, cancellationToken);
        var group = await EventIndexQueries.LastIdOfTypeAsync(db, applicationId, EventIndexQueries.Group, cancellationToken);
        var trackNames = await EventIndexQueries.TrackNamesAsync(db, applicationId, cancellationToken);
        var track = trackNames.Max(n => n.LastId);
        var lastId = new[] { identify, group, track }.Max();
        var lastEventAt = lastId is { } id ? (await EventIndexQueries.TimestampsAsync(db, [id], cancellationToken)).GetValueOrDefault(id) : (DateTimeOffset?)null;

        // Tolerate a writer that names identify/group events: fall back to an index seek on the type alone.
        var hasIdentify = identify is not null || await EventIndexQueries.AnyOfTypeAsync(db, applicationId, EventIndexQueries.Identify, cancellationToken);
        var hasGroup = group is not null || await EventIndexQueries.AnyOfTypeAsync(db, applicationId, EventIndexQueries.Group, cancellationToken);
        var hasTrack = track is not null || await EventIndexQueries.AnyOfTypeAsync(db, applicationId, EventIndexQueries.Track, cancellationToken);
        var checklist = new List<SetupStepStatus>
        {
            new(SetupStep.KeyCreated, hasKey),
            new(SetupStep.FirstEvent, hasIdentify || hasGroup || hasTrack),
            new(SetupStep.FirstIdentify, hasIdentify),
            new(SetupStep.FirstGroup, hasGroup),
            new(SetupStep.FirstTrack, hasTrack),
        };

        return new DashboardSummary(applicationId, visitors, accounts, fields, lastEventAt,
            await EventsPerHourAsync(db, applicationId, cancellationToken), checklist);
    }

    private async Task<IReadOnlyList<HourlyCount>> EventsPerHourAsync(PortalDbContext db, Guid applicationId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var currentHour = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
        var since = currentHour.AddHours(1 - Hours);
        var counts = new int[Hours];

        if (await EventIndexQueries.FirstIdReceivedSinceAsync(db, since, cancellationToken) is { } firstId)
        {
            var sinceTicks = since.UtcTicks;
            // NOT INDEXED keeps SQLite on the rowid range (the last 24 h) instead of the application's whole index range.
            var buckets = db.Database.IsSqlite()
                ? await db.Database.SqlQuery<HourBucket>($"""
                    SELECT (ReceivedAt - {sinceTicks}) / {TimeSpan.TicksPerHour} AS "Hour", COUNT(*) AS "Count"
                    FROM Events NOT INDEXED
                    WHERE Id >= {firstId} AND ApplicationId = {applicationId} AND ReceivedAt >= {sinceTicks}
                    GROUP BY 1
                    """).ToListAsync(cancellationToken)
                : await db.Database.SqlQuery<HourBucket>($"""
                    SELECT floor(extract(epoch FROM ("ReceivedAt" - {since})) / 3600)::bigint AS "Hour", COUNT(*)::int AS "Count"
                    FROM "Events"
                    WHERE "Id" >= {firstId} AND "ApplicationId" = {applicationId} AND "ReceivedAt" >= {since}
                    GROUP BY 1
                    """).ToListAsync(cancellationToken);
            foreach (var bucket in buckets)
            {
                if (bucket.Hour is >= 0 and < Hours) counts[bucket.Hour] = bucket.Count;
            }
        }
        return Enumerable.Range(0, Hours).Select(h => new HourlyCount(since.AddHours(h), counts[h])).ToList();
    }

    private sealed class HourBucket
    {
        public long Hour { get; init; }
        public int Count { get; init; }
    }
}
