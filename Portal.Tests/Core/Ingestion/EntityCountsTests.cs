using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Erasure;
using Portal.Core.Ingestion;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Core.Ingestion;

/// <summary>
/// Default-metadata counts of known visitors and accounts wait in the writer and are written once per flush, never lost on a
/// clean stop, never resurrecting an erased visitor. The interval here is the longest allowed, so what waits keeps waiting
/// for the length of a test unless something flushes it.
/// </summary>
public class EntityCountsTests : IngestionTestBase
{
    protected override void Configure(Dictionary<string, string?> settings, IServiceCollection services) =>
        settings["Ingestion:EntityCountsFlushMilliseconds"] = "60000";

    private Task<IngestionResult> TrackAsync(string visitor, string messageId, string account = "acme") =>
        SendAsync(new { type = "track", userId = visitor, messageId, @event = "Clicked", timestamp = "2026-01-01T10:00:00Z", properties = new { groupId = account } });

    private async Task<(long Events, long AccountEvents)> StoredCountsAsync(string visitor = "u1")
    {
        await using var db = await DbAsync();
        var events = await db.Visitors.Where(v => v.VisitorId == visitor).Select(v => v.EventCount).SingleAsync();
        var accountEvents = await db.Accounts.Where(a => a.AccountId == "acme").Select(a => a.EventCount).SingleAsync();
        return (events, accountEvents);
    }

    [Fact]
    public async Task ANewVisitorIsWrittenAtOnceAndAKnownOnesCountsWaitForTheFlush()
    {
        await TrackAsync("u1", "m1");
        Assert.Equal((1L, 1L), await StoredCountsAsync());

        await TrackAsync("u1", "m2");
        await TrackAsync("u1", "m3");

        Assert.Equal((1L, 1L), await StoredCountsAsync());
        await using var db = await DbAsync();
        Assert.Equal(3, await db.Events.CountAsync());
    }

    [Fact]
    public async Task AStoppingWriterWritesTheCountsStillWaiting()
    {
        await TrackAsync("u1", "m1");
        await TrackAsync("u1", "m2");
        await TrackAsync("u1", "m3");

        await Get<IngestionWriter>().StopAsync(CancellationToken.None);

        Assert.Equal((3L, 3L), await StoredCountsAsync());
    }

    [Fact]
    public async Task AMetadataChangeWritesTheVisitorsWaitingCountsWithIt()
    {
        await TrackAsync("u1", "m1");
        await TrackAsync("u1", "m2");

        await SendAsync(new { type = "identify", userId = "u1", messageId = "m3", timestamp = "2026-01-02T10:00:00Z", traits = new { plan = "pro" } });

        await using var db = await DbAsync();
        var visitor = await db.Visitors.SingleAsync(v => v.VisitorId == "u1");
        Assert.Equal((3L, 2), (visitor.EventCount, visitor.DaysActive));
        Assert.Contains("pro", visitor.MetadataJson);
    }

    [Fact]
    public async Task AnErasedVisitorsWaitingCountsDoNotBringItBack()
    {
        await TrackAsync("u1", "m1");
        await TrackAsync("u1", "m2");
        await TrackAsync("u2", "m3");
        await TrackAsync("u2", "m4");

        Assert.True((await Get<ErasureService>().DeleteVisitorAsync(AppId, "u1")).Succeeded);
        await Get<IngestionWriter>().StopAsync(CancellationToken.None);

        await using var db = await DbAsync();
        Assert.Equal(["u2"], await db.Visitors.Select(v => v.VisitorId).ToListAsync());
        Assert.Equal(2, (await db.Visitors.SingleAsync()).EventCount);
    }
}

public sealed class EntityCountsTestsOnPostgres : EntityCountsTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}

/// <summary>With a short interval, waiting counts reach the database by themselves once traffic stops.</summary>
public class EntityCountsIdleFlushTests : IngestionTestBase
{
    protected override void Configure(Dictionary<string, string?> settings, IServiceCollection services) =>
        settings["Ingestion:EntityCountsFlushMilliseconds"] = "20";

    [Fact]
    public async Task WaitingCountsAreWrittenWhenTheWriterFallsIdle()
    {
        for (var i = 0; i < 5; i++)
            await SendAsync(new { type = "track", userId = "u1", messageId = $"m{i}", @event = "Clicked", timestamp = "2026-01-01T10:00:00Z" });

        // The flush is due 20 ms after the last one, whenever the machine gets there.
        var events = await Eventually.ReadAsync(async () =>
        {
            await using var db = await DbAsync();
            return await db.Visitors.Select(v => v.EventCount).SingleAsync();
        }, e => e == 5);
        Assert.Equal(5, events);
    }
}
