using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Ingestion;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Endpoints.Ingestion;

public class IngestionDurabilityTests
{
    protected virtual TestEngine Engine => TestEngine.Sqlite;

    [Fact]
    public async Task ConcurrentResendsOnManyConnectionsStoreEachMessageOnce()
    {
        await using var app = await IngestionApp.StartAsync(kestrel: true, engine: Engine);
        var ids = Enumerable.Range(0, 20).Select(i => $"dup-{i}").ToArray();
        var bodies = Enumerable.Range(0, 3).Select(shift =>
            "[" + string.Join(",", ids.Skip(shift * 5).Concat(ids.Take(shift * 5))
                .Select(id => $$"""{"type":"track","userId":"u","event":"E","messageId":"{{id}}"}""")) + "]").ToArray();

        // A fresh HttpClient per task: separate connections, so copies really arrive side by side.
        var responses = await Task.WhenAll(Enumerable.Range(0, 24).Select(async i =>
        {
            using var client = app.Client();
            return await client.PostAsync($"/data/segmentio/{app.Key}", IngestionApp.Json(bodies[i % bodies.Length]));
        }));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        await using var db = await app.DbAsync();
        var stored = await db.Events.GroupBy(e => e.MessageId).Select(g => new { g.Key, Count = g.Count() }).ToListAsync();
        Assert.Equal(ids.Order(), stored.Select(s => s.Key).Order());
        Assert.All(stored, s => Assert.Equal(1, s.Count));
        var log = await db.IngestionLog.ToListAsync();
        Assert.Equal(20, log.Sum(e => e.Accepted));
        Assert.Equal(24 * 20 - 20, log.Sum(e => e.Duplicates));
    }

    [Fact]
    public async Task ARequestWhoseTransactionFailsIsNotAnswered200()
    {
        await using var app = await IngestionApp.StartAsync(engine: Engine);
        await using (var db = await app.DbAsync())
        {
            // A real failure inside the writer's transaction: the event insert aborts it.
            await db.Database.ExecuteSqlRawAsync(Engine == TestEngine.Sqlite
                ? "CREATE TRIGGER fail_events BEFORE INSERT ON Events BEGIN SELECT RAISE(ABORT, 'disk on fire'); END;"
                : "CREATE FUNCTION fail_events() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk on fire'; END $$;"
                  + "CREATE TRIGGER fail_events BEFORE INSERT ON \"Events\" FOR EACH ROW EXECUTE FUNCTION fail_events();");
        }

        var response = await app.PostAsync("""{"type":"track","userId":"u","event":"E","messageId":"m"}""");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        await using (var db = await app.DbAsync())
        {
            await db.Database.ExecuteSqlRawAsync(Engine == TestEngine.Sqlite ? "DROP TRIGGER fail_events;" : "DROP TRIGGER fail_events ON \"Events\";");
            Assert.Empty(await db.Events.ToListAsync());
        }

        // Segment's retry then lands once the database is healthy again.
        Assert.Equal(HttpStatusCode.OK, (await app.PostAsync("""{"type":"track","userId":"u","event":"E","messageId":"m"}""")).StatusCode);
    }

    [Fact]
    public async Task AfterShutdownBeginsNewRequestsGet503WithRetryAfter()
    {
        await using var app = await IngestionApp.StartAsync(engine: Engine);
        await app.PostAsync("""{"type":"track","userId":"u","event":"E"}""");

        await app.Get<IngestionWriter>().StopAsync(CancellationToken.None);
        var response = await app.PostAsync("""{"type":"track","userId":"u","event":"F"}""");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("1", response.Headers.GetValues("Retry-After").Single());
    }

    [Fact]
    public async Task ShutdownDrainsWhatWasAlreadyQueued()
    {
        await using var app = await IngestionApp.StartAsync(f => f.Settings["Ingestion:MaxWaitMilliseconds"] = "200", engine: Engine);
        var key = (await app.Get<Portal.Core.Applications.ApiKeyResolver>().ResolveAsync(app.Key))!;
        var ingestion = app.Get<IngestionService>();

        var pending = Enumerable.Range(0, 50)
            .Select(i => ingestion.IngestSegmentAsync(key, Encoding.UTF8.GetBytes($$"""{"type":"track","userId":"u","event":"E","messageId":"q{{i}}"}""")))
            .ToList();
        await app.Get<IngestionWriter>().StopAsync(CancellationToken.None);

        var results = await Task.WhenAll(pending);
        Assert.All(results, r => Assert.Equal(IngestionStatus.Ok, r.Status));
        await using var db = await app.DbAsync();
        Assert.Equal(50, await db.Events.CountAsync());
    }
}

/// <summary>The same promises on PostgreSQL.</summary>
public sealed class IngestionDurabilityTestsOnPostgres : IngestionDurabilityTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
