using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Applications;
using Portal.Core.Ingestion;
using Portal.Tests.Infrastructure;
using Serilog.Core;
using Serilog.Events;

namespace Portal.Tests.Endpoints.Ingestion;

/// <summary>Keys Portal refuses: on the Ingestion log (bounded, never the full key), throttled per client, summarised in the log.</summary>
public sealed class UnrecognisedKeyTests
{
    private const string Message = """{"type":"track","userId":"u-1","event":"A"}""";

    private static Task<IngestionApp> StartAsync(int failuresPerClient = 1000, int entriesPerInterval = 1000, Action<PortalAppFactory>? more = null) =>
        IngestionApp.StartAsync(f =>
        {
            f.Settings["Ingestion:UnrecognisedKeys:FailuresPerClient"] = failuresPerClient.ToString();
            f.Settings["Ingestion:UnrecognisedKeys:LogEntriesPerInterval"] = entriesPerInterval.ToString();
            more?.Invoke(f);
        });

    [Fact]
    public async Task AnUnknownKeyIs401OnTheLogWithNoApplicationAndOnlyAHint()
    {
        await using var app = await StartAsync();
        var unknown = ApiKeyFormat.Generate();

        var response = await app.PostAsync(Message, unknown);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await using var db = await app.DbAsync();
        var entry = await db.IngestionLog.SingleAsync();
        Assert.Null(entry.ApplicationId);
        Assert.Equal(401, entry.StatusCode);
        Assert.Equal(unknown[^4..], entry.KeyHint);
        Assert.Equal("Unknown API key.", entry.FirstError);
        Assert.DoesNotContain(unknown, entry.RawBody ?? "");
        var page = await app.Get<IngestionLogQueries>().ListAsync(null, IngestionLogStatusFilter.All, IngestionLogTypeFilter.All, 0, 10);
        Assert.Equal(entry.Id, Assert.Single(page.Rows).Id);
        Assert.Empty((await app.Get<IngestionLogQueries>().ListAsync(app.AppId, IngestionLogStatusFilter.All, IngestionLogTypeFilter.All, 0, 10)).Rows);
    }

    [Fact]
    public async Task RevokedAndArchivedKeysAre401OnTheirApplicationsLogWithTheReason()
    {
        await using var app = await StartAsync();
        var keys = app.Get<ApiKeyService>();
        var revoked = (await keys.GenerateAsync(app.AppId)).Value!;
        await keys.RevokeAsync(revoked.KeyId);

        Assert.Equal(HttpStatusCode.Unauthorized, (await app.PostAsync(Message, revoked.Key)).StatusCode);
        await app.Get<ApplicationService>().ArchiveAsync(app.AppId);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.PostAsync(Message)).StatusCode);

        await using var db = await app.DbAsync();
        var entries = await db.IngestionLog.OrderBy(e => e.Id).ToListAsync();
        Assert.All(entries, e => Assert.Equal((app.AppId, 401), (e.ApplicationId!.Value, e.StatusCode)));
        Assert.Equal([revoked.Hint, app.Key[^4..]], entries.Select(e => e.KeyHint));
        Assert.Contains("revoked", entries[0].FirstError);
        Assert.Contains("archived", entries[1].FirstError);
    }

    [Fact]
    public async Task AScanOfRandomKeysFromOneAddressHits429QuicklyWhileAWorkingKeyStillWorks()
    {
        await using var app = await StartAsync(failuresPerClient: 5);
        var client = app.Client();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 8; i++)
            statuses.Add((await client.PostAsync($"/data/segmentio/{ApiKeyFormat.Generate()}", IngestionApp.Json(Message))).StatusCode);
        var throttled = await client.PostAsync($"/data/segmentio/{ApiKeyFormat.Generate()}", IngestionApp.Json(Message));

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 5), statuses.Take(5));
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.True(int.Parse(throttled.Headers.GetValues("Retry-After").Single()) >= 1);
        Assert.Equal(HttpStatusCode.OK, (await app.PostAsync(Message)).StatusCode);
    }

    [Fact]
    public async Task PastTheCapRefusedKeysAreCountedInOneEntryWhenTheIntervalEnds()
    {
        await using var app = await StartAsync(entriesPerInterval: 3);

        for (var i = 0; i < 10; i++) await app.PostAsync(Message, ApiKeyFormat.Generate());
        await using (var db = await app.DbAsync()) Assert.Equal(3, await db.IngestionLog.CountAsync());

        await app.Get<RefusedKeyLog>().FlushAsync();

        await using (var db = await app.DbAsync())
        {
            var entries = await db.IngestionLog.OrderBy(e => e.Id).ToListAsync();
            Assert.Equal(4, entries.Count);
            Assert.All(entries, e => Assert.Null(e.ApplicationId));
            Assert.StartsWith("7 more requests refused with unrecognised keys", entries[3].FirstError);
            Assert.Null(entries[3].KeyHint);
        }
    }

    [Fact]
    public async Task UnknownKeysAreNotLoggedPerRequestAtInformation()
    {
        var sink = new CapturingLogSink();
        await using var app = await StartAsync(more: f =>
        {
            f.ConfigureServices = s => s.AddSingleton<ILogEventSink>(sink);
        });
        var keys = Enumerable.Range(0, 5).Select(_ => ApiKeyFormat.Generate()).ToList();

        foreach (var key in keys) Assert.Equal(HttpStatusCode.Unauthorized, (await app.PostAsync(Message, key)).StatusCode);
        // A later request to another path marks the end of the ingestion requests' log lines.
        await app.Client().GetAsync("/healthz");
        await sink.WaitForAsync(e => e.RenderMessage().Contains("/healthz"), TimeSpan.FromSeconds(30));

        var informational = sink.Events.Where(e => e.Level >= LogEventLevel.Information).Select(e => e.RenderMessage()).ToList();
        Assert.Contains(informational, m => m.Contains("/healthz"));
        Assert.DoesNotContain(informational, m => m.Contains("/data/segmentio"));
        Assert.Single(sink.From("ClientFaultLog"));
        Assert.DoesNotContain(sink.Events, e => keys.Any(k => e.RenderMessage().Contains(k)));
    }
}
