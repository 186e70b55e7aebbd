using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Portal.Core.Applications;
using Portal.Core.Data;
using Portal.Core.Erasure;
using Portal.Core.Ingestion;
using Portal.Core.Ingestion.Postgres;
using Portal.Core.Metadata;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Postgres;

/// <summary>Two Portal instances (each a real Kestrel host) on one PostgreSQL database, as behind a load balancer.</summary>
public sealed class TwoInstanceTests : IAsyncLifetime
{
    private const int KeyCacheTtlSeconds = 30;

    private string _database = "";
    private PortalAppFactory _a = default!;
    private PortalAppFactory _b = default!;
    private string _urlA = "";
    private string _urlB = "";
    private readonly FakeTimeProvider _clockB = new(DateTimeOffset.UtcNow);

    public async Task InitializeAsync()
    {
        _database = await PostgresServer.CreateDatabaseAsync();
        _a = Instance();
        _b = Instance();
        // B holds the counts of visitors it knows for a minute (unless it stops): a stale flush is then the test's to time.
        _b.Settings["Ingestion:EntityCountsFlushMilliseconds"] = "60000";
        // B's clock is in the test's hands, so "within the key cache TTL" is exact rather than a race.
        _b.ConfigureServices = services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(_clockB));
        // Both start together: the migration lock lets one migrate while the other waits.
        var started = await Task.WhenAll(Task.Run(_a.StartKestrel), Task.Run(_b.StartKestrel));
        (_urlA, _urlB) = (started[0], started[1]);
        await Listener(_b).Listening;
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        await PostgresServer.DropDatabaseAsync(_database);
    }

    [Fact]
    public async Task ConcurrentOverlappingResendsToBothInstancesAreStoredOnceEach()
    {
        var key = await NewKeyOnAAsync();
        var ids = Enumerable.Range(0, 40).Select(i => $"m-{i}").ToArray();
        var bodies = Enumerable.Range(0, 4).Select(shift =>
            "[" + string.Join(",", ids.Skip(shift * 10).Concat(ids.Take(shift * 10))
                .Select(id => $$"""{"type":"track","userId":"u","event":"E","messageId":"{{id}}"}""")) + "]").ToArray();

        var responses = await Task.WhenAll(Enumerable.Range(0, 16).Select(async i =>
        {
            using var client = new HttpClient { BaseAddress = new Uri(i % 2 == 0 ? _urlA : _urlB) };
            return await client.PostAsync($"/data/segmentio/{key.Key}", Json(bodies[i % bodies.Length]));
        }));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        await using var db = await DbAsync(_a);
        var stored = await db.Events.GroupBy(e => e.MessageId).Select(g => new { g.Key, Count = g.Count() }).ToListAsync();
        Assert.Equal(ids.Order(), stored.Select(s => s.Key).Order());
        Assert.All(stored, s => Assert.Equal(1, s.Count));
        var log = await db.IngestionLog.ToListAsync();
        Assert.Equal((40, 16 * 40 - 40), (log.Sum(e => e.Accepted), log.Sum(e => e.Duplicates)));
    }

    [Fact]
    public async Task AKeyCreatedOnAWorksOnBAndItsRevocationOnAReachesBWithinTheCacheTtl()
    {
        var key = await NewKeyOnAAsync();
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(_urlB, key.Key, "k-1")).StatusCode);

        var revoked = await _a.Admin<ApiKeyService>().RevokeAsync(key.KeyId);
        Assert.True(revoked.Succeeded);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(_urlA, key.Key, "k-2")).StatusCode);

        // B still trusts its snapshot until the TTL has passed, and not a moment longer.
        _clockB.Advance(TimeSpan.FromSeconds(KeyCacheTtlSeconds - 1));
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(_urlB, key.Key, "k-3")).StatusCode);
        _clockB.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(_urlB, key.Key, "k-4")).StatusCode);
    }

    [Fact]
    public async Task AFieldFirstSeenOnAReachesBsLivePagesAndItsDataMappings()
    {
        var key = await NewKeyOnAAsync();
        var seenOnB = new TaskCompletionSource<IngestionCommitted>(TaskCreationOptions.RunContinuationsAsynchronously);
        _b.Services.GetRequiredService<IngestionNotifications>().Committed += c =>
        {
            if (c.ApplicationIds.Contains(key.ApplicationId) && c.NewFields) seenOnB.TrySetResult(c);
        };

        var response = await PostAsync(_urlA, key.Key, "f-1", """{"plan":"enterprise"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var committed = await seenOnB.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, committed.EventCount);
        var rows = await _b.Admin<DataMappingsService>()
            .QueryAsync(new DataMappingsQuery(key.ApplicationId, FieldKind.TrackProperty));
        Assert.Contains(rows.Items, r => r.Name == "plan");
    }

    [Fact]
    public async Task ATypeSeenOnlyByAStillDecidesTheInferredTypeWhenBWritesTheFieldAgain()
    {
        var key = await NewKeyOnAAsync();
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(_urlB, key.Key, "t-1", """{"seats":5}""")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(_urlA, key.Key, "t-2", """{"seats":"five"}""")).StatusCode);

        // B remembers integers only; its float is a new type to it, so it writes the field at once and learns of A's text.
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(_urlB, key.Key, "t-3", """{"seats":5.5}""")).StatusCode);

        await using var db = await DbAsync(_a);
        var field = await db.MetadataFields.SingleAsync(f => f.ApplicationId == key.ApplicationId && f.Name == "seats");
        Assert.Equal(FieldTypeInference.Bit(FieldType.Integer) | FieldTypeInference.Bit(FieldType.Text) | FieldTypeInference.Bit(FieldType.Float), field.TypesSeen);
        Assert.Equal(FieldType.Text, field.InferredType);
    }

    [Fact]
    public async Task ManyCommitsOnAReachBAsAnnouncementsThatCountEveryStoredEvent()
    {
        var key = await NewKeyOnAAsync();
        const int messages = 24;
        var heard = 0;
        var announcements = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _b.Services.GetRequiredService<IngestionNotifications>().Committed += c =>
        {
            if (!c.ApplicationIds.Contains(key.ApplicationId)) return;
            Interlocked.Increment(ref announcements);
            if (Interlocked.Add(ref heard, c.EventCount) >= messages) all.TrySetResult();
        };

        // Concurrent requests commit in several group commits; a resend is stored once and announced once.
        var responses = await Task.WhenAll(Enumerable.Range(0, messages).Select(i => PostAsync(_urlA, key.Key, $"a-{i}"))
            .Append(PostAsync(_urlA, key.Key, "a-0")));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        await all.Task.WaitAsync(TimeSpan.FromSeconds(30));
        // An announcement counts the events its commits stored: the total lands on the number sent, not past it.
        Assert.Equal(messages, Volatile.Read(ref heard));
        Assert.InRange(Volatile.Read(ref announcements), 1, messages);
    }

    [Fact]
    public async Task AFieldDeletedThroughAIsForgottenByBsWriter()
    {
        var key = await NewKeyOnAAsync();
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(_urlB, key.Key, "c-1", """{"plan":"remembered"}""")).StatusCode);
        var heardOnB = new TaskCompletionSource<Guid?>(TaskCreationOptions.RunContinuationsAsynchronously);
        Listener(_b).CatalogueInvalidated += app => heardOnB.TrySetResult(app);

        // What deleting a field from Data Mappings does on A: the row goes, then every writer forgets the app's catalogue.
        await using (var db = await DbAsync(_a))
            await db.MetadataFields.Where(f => f.ApplicationId == key.ApplicationId && f.Name == "plan").ExecuteDeleteAsync();
        await _a.Services.GetRequiredService<CatalogueInvalidation>().InvalidateAsync(key.ApplicationId);
        Assert.Equal(key.ApplicationId, await heardOnB.Task.WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(_urlB, key.Key, "c-2", """{"plan":"fresh"}""")).StatusCode);
        await using var after = await DbAsync(_a);
        var field = await after.MetadataFields.SingleAsync(f => f.ApplicationId == key.ApplicationId && f.Name == "plan");
        // A writer that still remembered the field would write back its old samples and count.
        Assert.Equal(1, field.Count);
        Assert.DoesNotContain("remembered", field.SamplesJson);
    }

    [Fact]
    public async Task AVisitorErasedOnAStaysGoneThoughBHeldCountsForItAndWroteThemMidway()
    {
        var key = await NewKeyOnAAsync();
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(_urlB, key.Key, "e-1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(_urlB, key.Key, "e-2")).StatusCode);

        // B's writer stops, and so writes the count it held, right after A deleted the visitor's row.
        var midway = new OnFirstReport(() => _b.Services.GetRequiredService<IngestionWriter>().StopAsync(CancellationToken.None).GetAwaiter().GetResult());
        var erased = await _a.Admin<ErasureService>().DeleteManyAsync(key.ApplicationId, FieldKind.Visitor, ["u"], midway);

        Assert.True(erased.Succeeded, erased.Error);
        Assert.True(midway.Ran);
        await using var db = await DbAsync(_a);
        Assert.False(await db.Visitors.AnyAsync(v => v.ApplicationId == key.ApplicationId));
        Assert.False(await db.Events.AnyAsync(e => e.ApplicationId == key.ApplicationId));
    }

    private sealed class OnFirstReport(Action action) : IProgress<ErasureCounts>
    {
        public bool Ran { get; private set; }

        public void Report(ErasureCounts value)
        {
            if (Ran) return;
            Ran = true;
            action();
        }
    }

    private PortalAppFactory Instance()
    {
        var factory = new PortalAppFactory { Engine = TestEngine.Postgres, PostgresConnectionString = _database };
        factory.Settings["ApiKeys:CacheTtlSeconds"] = KeyCacheTtlSeconds.ToString();
        factory.Settings["Ingestion:RateLimit:RequestsPerSecond"] = "0";
        return factory;
    }

    private async Task<(string Key, Guid KeyId, Guid ApplicationId)> NewKeyOnAAsync()
    {
        var app = (await _a.Admin<ApplicationService>().CreateAsync("Shop " + Guid.NewGuid().ToString("N")[..6])).Value!;
        var issued = (await _a.Admin<ApiKeyService>().GenerateAsync(app.Id)).Value!;
        return (issued.Key, issued.KeyId, app.Id);
    }

    private static async Task<HttpResponseMessage> PostAsync(string baseUrl, string key, string messageId, string properties = "{}")
    {
        using var client = new HttpClient { BaseAddress = new Uri(baseUrl) };
        return await client.PostAsync($"/data/segmentio/{key}",
            Json($$"""{"type":"track","userId":"u","event":"Paid","messageId":"{{messageId}}","properties":{{properties}}}"""));
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static Task<PortalDbContext> DbAsync(PortalAppFactory factory) =>
        factory.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();

    private static PostgresIngestionListener Listener(PortalAppFactory factory) =>
        factory.Services.GetServices<IHostedService>().OfType<PostgresIngestionListener>().Single();
}
