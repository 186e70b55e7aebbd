using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Ingestion;

namespace Portal.Core.Events;

/// <summary>
/// How many events each track event name has, kept between page loads: a name's events are counted once through the
/// (ApplicationId, Type, Name, Id) index, then only the ones stored since (a seek past the last id counted, less a settling
/// margin). Counting a busy name's whole index range took most of the Track events page's time at 1M events.
/// </summary>
/// <remarks>
/// Events only leave through retention, which moves its watermark, and erasure, which counts its deleting steps in
/// <see cref="ErasuresWatermark"/> after each one: a count taken under other watermarks is counted afresh. Both live in the
/// database, so a deletion by another process (the CLI) or another instance is seen too.
/// </remarks>
public sealed class TrackEventCounts
{
    /// <summary>The IndexWatermarks row whose value is the number of erasure steps that deleted events (not an event id).</summary>
    public const string ErasuresWatermark = "EventErasures";

    /// <summary>Names remembered at most; then the memory starts over (names are whatever senders send).</summary>
    private const int MaxNames = 10_000;

    private readonly ConcurrentDictionary<(Guid App, string Name), Counted> _counted = new();

    /// <summary>
    /// Events this far below a name's newest id are counted once and kept; the ones above are counted on every load. On
    /// PostgreSQL two instances take ids from one sequence and commit in any order, so an event with a lower id can appear
    /// after a higher one was counted; ids this far back are long committed.
    /// </summary>
    public long Settled { get; set; } = 10_000;

    /// <summary>How many events of a name have an id up to <see cref="UpToId"/>.</summary>
    private sealed record Counted(long Count, long UpToId, Watermarks Watermarks);

    private readonly record struct Watermarks(long Retention, long Erasures);

    /// <summary>The number of events of each name, up to the given newest id of that name (ids from the same read).</summary>
    internal async Task<Dictionary<string, long>> CountAsync(PortalDbContext db, Guid applicationId,
        IReadOnlyCollection<(string Name, long LastId)> names, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<string, long>(names.Count, StringComparer.Ordinal);
        if (names.Count == 0) return counts;
        var marks = await WatermarksAsync(db, cancellationToken);
        if (_counted.Count > MaxNames) _counted.Clear();
        var ranges = new List<NameRanges>(names.Count);
        foreach (var (name, lastId) in names)
        {
            var settled = Math.Max(0, lastId - Settled);
            var kept = _counted.TryGetValue((applicationId, name), out var known) && known.Watermarks == marks && known.UpToId <= settled;
            ranges.Add(new NameRanges(name, kept ? known!.Count : 0, kept ? known!.UpToId : 0, settled, lastId));
        }
        var counted = await CountRangesAsync(db, applicationId, ranges, cancellationToken);
        foreach (var range in ranges)
        {
            var (settledCount, recentCount) = counted[range.Name];
            var below = range.KeptCount + settledCount;
            _counted[(applicationId, range.Name)] = new Counted(below, range.Settled, marks);
            counts[range.Name] = below + recentCount;
        }
        return counts;
    }

    /// <summary>
    /// For each name: the events counted before (<see cref="KeptCount"/>, up to <see cref="KeptUpToId"/>), then the ones
    /// to count now, up to <see cref="Settled"/> (kept afterwards) and above it up to <see cref="LastId"/> (counted every time).
    /// </summary>
    private sealed record NameRanges(string Name, long KeptCount, long KeptUpToId, long Settled, long LastId);

    private sealed record RangeCounts(string Name, long SettledCount, long RecentCount);

    /// <summary>
    /// Both ranges of every name in one statement (two index seeks a name): a page of names used to cost two queries a name,
    /// and their round trips through EF were most of the Track events page's server time.
    /// </summary>
    private static async Task<Dictionary<string, (long Settled, long Recent)>> CountRangesAsync(PortalDbContext db, Guid applicationId,
        IReadOnlyList<NameRanges> ranges, CancellationToken cancellationToken)
    {
        // {0} is the application; each name brings four arguments: the name and the ends of its two ranges.
        static string Count(int name, int after, int upTo) => $$"""
            (SELECT COUNT(*) FROM "Events" WHERE "ApplicationId" = {0} AND "Type" = 'track' AND "Name" = {{{name}}} AND "Id" > {{{after}}} AND "Id" <= {{{upTo}}})
            """;
        var sql = new System.Text.StringBuilder();
        var args = new List<object> { applicationId };
        foreach (var range in ranges)
        {
            if (sql.Length > 0) sql.Append("\nUNION ALL\n");
            var first = args.Count;
            args.AddRange([range.Name, range.KeptUpToId, range.Settled, range.LastId]);
            sql.Append($"SELECT {{{first}}} AS \"Name\", {Count(first, first + 1, first + 2)} AS \"SettledCount\", ")
                .Append($"{Count(first, first + 2, first + 3)} AS \"RecentCount\"");
        }
        var rows = await db.Database
            .SqlQuery<RangeCounts>(System.Runtime.CompilerServices.FormattableStringFactory.Create(sql.ToString(), [.. args]))
            .ToListAsync(cancellationToken);
        return rows.ToDictionary(r => r.Name, r => (r.SettledCount, r.RecentCount), StringComparer.Ordinal);
    }

    private static async Task<Watermarks> WatermarksAsync(PortalDbContext db, CancellationToken cancellationToken)
    {
        var rows = await db.IndexWatermarks.AsNoTracking()
            .Where(w => w.Name == SqliteIngestionStore.RetentionWatermark || w.Name == ErasuresWatermark)
            .ToDictionaryAsync(w => w.Name, w => w.EventId, cancellationToken);
        return new Watermarks(rows.GetValueOrDefault(SqliteIngestionStore.RetentionWatermark), rows.GetValueOrDefault(ErasuresWatermark));
    }

    /// <summary>After an erasure step deleted events (not before: a count taken in between would be kept as current).</summary>
    internal static Task CountErasureAsync(PortalDbContext db, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlRawAsync(
            """
            INSERT INTO "IndexWatermarks" ("Name", "EventId") VALUES ({0}, 1)
            ON CONFLICT ("Name") DO UPDATE SET "EventId" = "IndexWatermarks"."EventId" + 1
            """, [ErasuresWatermark], cancellationToken);
}
