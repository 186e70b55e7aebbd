using System.Data.Common;
using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data.Sqlite;

namespace Portal.Tests.Endpoints.Ingestion;

/// <summary>
/// A 200 promises the messages are committed. These failures happen in COMMIT itself, after every
/// statement of the transaction succeeded: a writer that answered just before committing would answer 200.
/// </summary>
public sealed class AckAfterCommitTests
{
    private static string Track(string messageId) => $$"""{"type":"track","userId":"u","event":"E","messageId":"{{messageId}}"}""";

    [Fact]
    public async Task ACommitRefusedByADeferredForeignKeyIsAnswered503AndStoresNothing()
    {
        await using var app = await IngestionApp.StartAsync();
        await using (var db = await app.DbAsync())
        {
            // Every event insert also writes a row whose parent does not exist; the key is checked only at COMMIT.
            await db.Database.ExecuteSqlRawAsync("""
                CREATE TABLE commit_guard_parent (Id INTEGER PRIMARY KEY);
                CREATE TABLE commit_guard (ParentId INTEGER REFERENCES commit_guard_parent (Id) DEFERRABLE INITIALLY DEFERRED);
                CREATE TRIGGER commit_guard_events AFTER INSERT ON Events BEGIN INSERT INTO commit_guard VALUES (-1); END;
                """);
        }

        var response = await app.PostAsync(Track("m"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        await using (var db = await app.DbAsync())
        {
            Assert.Empty(await db.Events.ToListAsync());
            Assert.Equal(0, await db.Database.SqlQueryRaw<int>("SELECT count(*) AS Value FROM commit_guard").SingleAsync());
            await db.Database.ExecuteSqlRawAsync("DROP TRIGGER commit_guard_events;");
        }
        Assert.Equal(HttpStatusCode.OK, (await app.PostAsync(Track("m"))).StatusCode);
        await using (var db = await app.DbAsync()) Assert.Equal(1, await db.Events.CountAsync());
    }

    [Fact]
    public async Task NoRequestIsAnsweredBeforeItsTransactionIsDurable()
    {
        // SQLite calls the commit hook on the writer's connection as the last step before a transaction is made
        // durable; while the gate is shut the hook turns every commit into a rollback. A request answered before
        // its commit returned would be answered 200 here, batched or retried alone.
        var gate = new CommitGate();
        await using var app = await IngestionApp.StartAsync(f =>
        {
            f.Settings["Ingestion:MaxWaitMilliseconds"] = "50";
            f.ConfigureServices = services => services.ConfigureDbContext<SqlitePortalDbContext>(o => o.AddInterceptors(gate));
        }, kestrel: true);
        gate.Shut = true;

        var ids = Enumerable.Range(0, 40).Select(i => $"c{i}").ToArray();
        var refused = await Task.WhenAll(ids.Select(async id =>
        {
            using var client = app.Client();
            return await client.PostAsync($"/data/segmentio/{app.Key}", IngestionApp.Json(Track(id)));
        }));

        Assert.True(gate.Refused > 0);
        Assert.All(refused, r => Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode));
        await using (var db = await app.DbAsync()) Assert.Empty(await db.Events.ToListAsync());

        gate.Shut = false;
        var accepted = await Task.WhenAll(ids.Select(async id =>
        {
            using var client = app.Client();
            return await client.PostAsync($"/data/segmentio/{app.Key}", IngestionApp.Json(Track(id)));
        }));
        Assert.All(accepted, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        await using (var db = await app.DbAsync())
            Assert.Equal(ids.Order(), (await db.Events.Select(e => e.MessageId).ToListAsync()).Order());
    }

    /// <summary>Installs a commit hook on every connection the app opens through EF Core, the writer's included.</summary>
    private sealed class CommitGate : DbConnectionInterceptor
    {
        private int _refused;

        public volatile bool Shut;
        public int Refused => Volatile.Read(ref _refused);

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Install(connection);

        public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            Install(connection);
            return Task.CompletedTask;
        }

        private void Install(DbConnection connection)
        {
            if (connection is not SqliteConnection sqlite) return;
            // Non-zero turns the COMMIT into a rollback and makes it fail with SQLITE_CONSTRAINT_COMMITHOOK.
            SQLitePCL.raw.sqlite3_commit_hook(sqlite.Handle, _ =>
            {
                if (!Shut) return 0;
                Interlocked.Increment(ref _refused);
                return 1;
            }, null);
        }
    }
}
