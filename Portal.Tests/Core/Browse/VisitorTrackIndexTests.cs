using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Visitors;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Core.Browse;

public sealed class VisitorTrackIndexTests : CoreTestBase
{
    private BrowseData Data => new(Get<IDbContextFactory<PortalDbContext>>());

    private async Task CatchUpAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath}");
        await connection.OpenAsync();
        await using var command = VisitorTrackIndex.CatchUpCommand(connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<List<long>> RecentIdsAsync(Guid app, string visitor)
    {
        await using var db = await Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        return [.. (await VisitorTrackIndex.RecentAsync(db, app, visitor, 10, CancellationToken.None)).Select(e => e.Id)];
    }

    [Fact]
    public async Task CatchUpIndexesTheTrackEventsPastTheWatermarkAndMovesIt()
    {
        var app = await Data.AppAsync();
        var at = DateTimeOffset.UtcNow.AddHours(-1);
        await Data.EventsAsync(app, ("track", "A", "u1", at), ("identify", null, "u1", at.AddSeconds(1)), ("track", "B", "u2", at.AddSeconds(2)));

        await CatchUpAsync();

        await using var db = await Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var events = await db.Events.OrderBy(e => e.Id).ToListAsync();
        var indexed = await db.VisitorTrackEvents.OrderBy(v => v.EventId).Select(v => new { v.VisitorId, v.EventId }).ToListAsync();
        Assert.Equal([new { VisitorId = "u1", EventId = events[0].Id }, new { VisitorId = "u2", EventId = events[2].Id }], indexed);
        Assert.Equal(events[^1].Id, (await db.IndexWatermarks.SingleAsync(w => w.Name == VisitorTrackIndex.WatermarkName)).EventId);

        await Data.EventsAsync(app, ("track", "C", "u1", at.AddSeconds(3)));
        await CatchUpAsync();
        Assert.Equal(2, await db.VisitorTrackEvents.CountAsync(v => v.VisitorId == "u1"));
        Assert.Equal(3, await db.VisitorTrackEvents.CountAsync());
    }

    [Fact]
    public async Task RecentEventsJoinTheIndexWithTheTailNotIndexedYet()
    {
        var app = await Data.AppAsync();
        var other = await Data.AppAsync("Other");
        var at = DateTimeOffset.UtcNow.AddHours(-1);
        await Data.EventsAsync(app, ("track", "A", "u1", at), ("track", "B", "u1", at.AddSeconds(1)), ("identify", null, "u1", at.AddSeconds(2)));
        await Data.EventsAsync(other, ("track", "A", "u1", at.AddSeconds(3)));
        await CatchUpAsync();
        await Data.EventsAsync(app, ("track", "C", "u1", at.AddSeconds(4)), ("track", "D", "u2", at.AddSeconds(5)));

        await using var db = await Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var expected = await db.Events.Where(e => e.ApplicationId == app && e.VisitorId == "u1" && e.Type == "track")
            .OrderByDescending(e => e.Id).Select(e => e.Id).ToListAsync();
        Assert.Equal(3, expected.Count);
        // Two of them come only from the index (they are behind the watermark), the newest only from the tail.
        Assert.Equal(expected, await RecentIdsAsync(app, "u1"));
    }

    [Fact]
    public async Task AnEventBothIndexedAndPastTheWatermarkIsListedOnce()
    {
        var app = await Data.AppAsync();
        var at = DateTimeOffset.UtcNow.AddHours(-1);
        await Data.EventsAsync(app, ("track", "A", "u1", at), ("track", "B", "u1", at.AddSeconds(1)));
        await CatchUpAsync();
        await using (var db = await Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
            await db.IndexWatermarks.ExecuteUpdateAsync(s => s.SetProperty(w => w.EventId, 0L));

        var ids = await RecentIdsAsync(app, "u1");
        Assert.Equal(2, ids.Distinct().Count());
        Assert.Equal(2, ids.Count);
    }
}
