using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Portal.Core.Ingestion;
using Portal.Core.Visitors;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Endpoints.Ingestion;

/// <summary>Ingestion:Retention:TrackEventDays deletes old track events in chunks through the writer's queue; nothing else goes.</summary>
public class RetentionTests
{
    protected virtual TestEngine Engine => TestEngine.Sqlite;

    private static string Track(string messageId) => $$"""{"type":"track","userId":"u1","event":"Clicked","messageId":"{{messageId}}"}""";

    [Fact]
    public async Task TrackEventsPastRetentionAreDeletedInChunksAndEverythingElseIsKept()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-01T00:00:00Z"));
        await using var app = await IngestionApp.StartAsync(f =>
        {
            f.Settings["Ingestion:Retention:TrackEventDays"] = "7";
            f.Settings["Ingestion:Retention:ChunkSize"] = "100";
            f.ConfigureServices = s => s.AddSingleton<TimeProvider>(time);
        }, engine: Engine);

        var old = Enumerable.Range(0, 250).Select(i => Track($"old-{i}")).Append("""{"type":"identify","userId":"u1","messageId":"id-1","traits":{"plan":"pro"}}""");
        Assert.Equal(HttpStatusCode.OK, (await app.PostAsync("[" + string.Join(",", old) + "]")).StatusCode);
        time.Advance(TimeSpan.FromDays(10));
        Assert.Equal(HttpStatusCode.OK, (await app.PostAsync("[" + string.Join(",", Enumerable.Range(0, 5).Select(i => Track($"new-{i}"))) + "]")).StatusCode);

        var writer = app.Get<IngestionWriter>();
        // A housekeeping pass (the visitor index catches up, then the first chunk), then chunk after chunk until none is left.
        await writer.PruneNowAsync();
        var chunks = 0;
        while (await writer.ApplyRetentionNowAsync() > 0) Assert.True(++chunks < 20, "retention never finished");

        await using var db = await app.DbAsync();
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"new-{i}"),
            (await db.Events.Where(e => e.Type == "track").Select(e => e.MessageId).ToListAsync()).Order());
        Assert.True(await db.Events.AnyAsync(e => e.MessageId == "id-1"), "identify events are not track events");
        Assert.Contains("pro", (await db.Visitors.SingleAsync(v => v.VisitorId == "u1")).MetadataJson);
        Assert.Equal(0, await db.Database.SqlQueryRaw<int>("""
            SELECT count(*) AS "Value" FROM "VisitorTrackEvents" v WHERE NOT EXISTS (SELECT 1 FROM "Events" e WHERE e."Id" = v."EventId")
            """).SingleAsync());
        var recent = await VisitorTrackIndex.RecentAsync(db, app.AppId, "u1", 50, CancellationToken.None);
        Assert.Equal(5, recent.Count);
    }

    [Fact]
    public async Task WithoutRetentionEveryEventIsKept()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-01T00:00:00Z"));
        await using var app = await IngestionApp.StartAsync(f => f.ConfigureServices = s => s.AddSingleton<TimeProvider>(time), engine: Engine);
        Assert.Equal(HttpStatusCode.OK, (await app.PostAsync(Track("old"))).StatusCode);
        time.Advance(TimeSpan.FromDays(3650));

        await app.Get<IngestionWriter>().PruneNowAsync();
        Assert.Equal(0, await app.Get<IngestionWriter>().ApplyRetentionNowAsync());

        await using var db = await app.DbAsync();
        Assert.Equal(1, await db.Events.CountAsync());
    }
}

public sealed class RetentionTestsOnPostgres : RetentionTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
