using System.Data.Common;
using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Portal.Core.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Ingestion.Faults;
using Portal.Core.Ingestion.Metrics;
using Portal.Tests.Infrastructure;
using Serilog.Core;
using Serilog.Events;

namespace Portal.Tests.Endpoints.Ingestion;

/// <summary>
/// Another process holds the database with BEGIN EXCLUSIVE: the writer waits once (Ingestion:LockWaitSeconds), then
/// answers its batch and everything queued behind it 503 with Retry-After, reports itself unready, and is ready again
/// as soon as the lock is gone, with or without traffic.
/// </summary>
public sealed class LockedDatabaseTests
{
    private static string Track(string messageId) => $$"""{"type":"track","userId":"u","event":"E","messageId":"{{messageId}}"}""";

    private static SqliteConnection HoldExclusiveLock(string databasePath)
    {
        var holder = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        holder.Open();
        using var begin = holder.CreateCommand();
        begin.CommandText = "BEGIN EXCLUSIVE;";
        begin.ExecuteNonQuery();
        return holder;
    }

    [Fact]
    public async Task ALockedDatabaseIsAnswered503WithRetryAfterAndReadinessFollowsTheLock()
    {
        await using var app = await IngestionApp.StartAsync(f =>
        {
            f.Settings["Ingestion:LockWaitSeconds"] = "1";
            f.Settings["Ingestion:RetryAfterSeconds"] = "1";
        });
        using var client = app.Client();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz/ready")).StatusCode);

        using (var holder = HoldExclusiveLock(app.Factory.DatabasePath))
        {
            var refused = await app.PostAsync(Track("during-lock"));

            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
            var ready = await client.GetAsync("/healthz/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Contains("\"ingestion-writer\":\"Unhealthy\"", await ready.Content.ReadAsStringAsync());
        }

        // No request is sent: the writer's probe alone must find the database writable again.
        await app.Get<WriterHealth>().WhenHealthyAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.PostAsync(Track("after-lock"))).StatusCode);
        await using var db = await app.DbAsync();
        Assert.Equal(["after-lock"], await db.Events.Select(e => e.MessageId).ToListAsync());
    }

    [Fact]
    public async Task RequestsQueuedBehindALockedDatabaseAreTurnedAwayTogetherNotOneBoundedWaitEach()
    {
        const int requests = 30;
        var sink = new CapturingLogSink();
        // Long enough that every request is queued while the first batch waits, even on a busy machine.
        await using var app = await IngestionApp.StartAsync(f =>
        {
            f.Settings["Ingestion:LockWaitSeconds"] = "5";
            f.Settings["Ingestion:RepeatedWarningIntervalSeconds"] = "3600";
            f.ConfigureServices = s => s.AddSingleton<ILogEventSink>(sink);
        });
        using var attempts = new MeterCounter(app.Factory.Services.GetRequiredService<IMeterFactory>(), IngestionMetrics.MeterName,
            "portal.ingestion.commits", "result");

        HttpResponseMessage[] answers;
        using (HoldExclusiveLock(app.Factory.DatabasePath))
        {
            answers = await Task.WhenAll(Enumerable.Range(0, requests).Select(i => app.PostAsync(Track($"m{i}"))));
        }

        Assert.All(answers, a =>
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, a.StatusCode);
            Assert.NotNull(a.Headers.RetryAfter);
        });
        // Retried one by one, thirty requests would cost thirty bounded waits.
        Assert.InRange(attempts["unavailable"], 1, requests / 3);
        // One stack trace for the whole outage; the repeats are counted, not logged.
        var errors = sink.Events.Where(e => e.Level >= LogEventLevel.Error).ToList();
        Assert.Single(errors);
        Assert.NotNull(errors[0].Exception);
        await using var db = await app.DbAsync();
        Assert.Empty(await db.Events.ToListAsync());
    }

    [Fact]
    public async Task AFullDiskIsOneErrorLineAndWhatWasAcknowledgedIsKept()
    {
        var sink = new CapturingLogSink();
        var cap = new PageCap();
        await using var app = await IngestionApp.StartAsync(f =>
        {
            f.Settings["Ingestion:RepeatedWarningIntervalSeconds"] = "3600";
            f.ConfigureServices = s =>
            {
                s.AddSingleton<ILogEventSink>(sink);
                s.ConfigureDbContext<SqlitePortalDbContext>(o => o.AddInterceptors(cap));
            };
        });
        // From now on every connection Portal opens (the writer's first among them) may not grow the file past a few pages.
        cap.Armed = true;

        var padding = new string('x', 8000);
        var answers = new List<(string Id, HttpStatusCode Status)>();
        for (var i = 0; i < 60; i++)
        {
            var id = $"big{i}";
            var response = await app.PostAsync($$$"""{"type":"track","userId":"u","event":"E","messageId":"{{{id}}}","properties":{"p":"{{{padding}}}"}}""");
            answers.Add((id, response.StatusCode));
        }

        Assert.Contains(answers, a => a.Status == HttpStatusCode.ServiceUnavailable);
        Assert.All(answers, a => Assert.True(a.Status is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, a.Status.ToString()));
        var errors = sink.Events.Where(e => e.Level >= LogEventLevel.Error).ToList();
        var error = Assert.Single(errors);
        Assert.Contains("full", error.Exception!.Message);
        Assert.False(app.Get<WriterHealth>().IsHealthy);

        cap.Armed = false;
        await using var db = await app.DbAsync();
        var stored = await db.Events.Select(e => e.MessageId).ToListAsync();
        Assert.Superset(answers.Where(a => a.Status == HttpStatusCode.OK).Select(a => a.Id).ToHashSet(), stored.ToHashSet());
    }

    /// <summary>SQLite's max_page_count stands in for a full disk: past it every write fails with SQLITE_FULL.</summary>
    private sealed class PageCap : DbConnectionInterceptor
    {
        public volatile bool Armed;

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Cap(connection);

        public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            Cap(connection);
            return Task.CompletedTask;
        }

        private void Cap(DbConnection connection)
        {
            if (!Armed) return;
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT page_count FROM pragma_page_count();";
            var pages = Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            command.CommandText = $"PRAGMA max_page_count = {pages + 4};";
            command.ExecuteNonQuery();
        }
    }
}
