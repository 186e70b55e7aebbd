using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Common;
using Portal.Core.Ingestion;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Endpoints.Ingestion;

public class IngestionEndpointTests : IAsyncLifetime
{
    protected virtual TestEngine Engine => TestEngine.Sqlite;

    private IngestionApp app = default!;

    public async Task InitializeAsync() => app = await IngestionApp.StartAsync(engine: Engine);
    public async Task DisposeAsync() => await app.DisposeAsync();

    private const string Track = """{"type":"track","userId":"u-1","event":"Clicked","messageId":"m-1","properties":{"plan":"pro"}}""";

    [Fact]
    public async Task ASingleMessageIsAnswered200WithAnEmptyBodyOnlyOnceStored()
    {
        var response = await app.PostAsync(Track);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("", await response.Content.ReadAsStringAsync());
        await using var db = await app.DbAsync();
        Assert.Equal("m-1", (await db.Events.SingleAsync()).MessageId);
    }

    [Fact]
    public async Task ABareArrayIsAcceptedMessageByMessage()
    {
        var response = await app.PostAsync("""
            [{"type":"identify","userId":"u-1","traits":{"a":1}},{"type":"group","userId":"u-1","groupId":"g","traits":{"b":2}},
             {"type":"track","userId":"u-1","event":"E"},{"type":"screen","userId":"u-1","name":"Home"}]
            """);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var db = await app.DbAsync();
        Assert.Equal(["group", "identify", "track"], await db.Events.Select(e => e.Type).OrderBy(t => t).ToListAsync());
    }

    [Fact]
    public async Task TheBatchShapeMergesTopLevelContextIntoEachMessage()
    {
        var response = await app.PostAsync("""
            {"batch":[{"type":"track","userId":"u-1","event":"A"},{"type":"track","userId":"u-2","event":"B","context":{"groupId":"own"}}],
             "context":{"groupId":"shared"},"integrations":{"All":true},"writeKey":"ignored","sentAt":"2026-01-01T00:00:00Z"}
            """);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var db = await app.DbAsync();
        var accounts = await db.Events.OrderBy(e => e.Name).Select(e => e.AccountId).ToListAsync();
        Assert.Equal(["shared", "own"], accounts);
    }

    [Fact]
    public async Task InvalidMessagesAreListedIn400WhileTheValidOnesAreStored()
    {
        var response = await app.PostAsync("""[{"type":"track","userId":"u-1","event":"ok"},{"type":"track","userId":"u-1"},{"nope":1}]""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var invalid = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, invalid.GetArrayLength());
        Assert.Equal(1, invalid[0].GetProperty("index").GetInt32());
        Assert.Equal("track needs an event name", invalid[0].GetProperty("reason").GetString());
        Assert.Equal(2, invalid[1].GetProperty("index").GetInt32());
        await using var db = await app.DbAsync();
        Assert.Equal("ok", (await db.Events.SingleAsync()).Name);
    }

    [Theory]
    [InlineData("{\"type\":\"track\"")]
    [InlineData("not json")]
    [InlineData("42")]
    [InlineData("{\"batch\":7}")]
    public async Task AnUnusableBodyIs400WithAJsonError(string body)
    {
        var response = await app.PostAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(string.IsNullOrEmpty((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString()));
    }

    [Fact]
    public async Task JsonNestedDeeperThan64LevelsIs400()
    {
        var deep = string.Concat(Enumerable.Repeat("{\"a\":", 70)) + "1" + new string('}', 70);
        var response = await app.PostAsync(deep);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("64", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ANonJsonContentTypeIs415()
    {
        var response = await app.Client().PostAsync($"/data/segmentio/{app.Key}", IngestionApp.Json(Track, "application/xml"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("application/json", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task TextPlainIsAcceptedAsJson()
    {
        var response = await app.Client().PostAsync($"/data/segmentio/{app.Key}", IngestionApp.Json(Track, "text/plain"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ABodyOverTheRequestLimitIs413()
    {
        var big = "[" + string.Join(",", Enumerable.Repeat(Track, 600_000 / Track.Length)) + "]";
        var response = await app.PostAsync(big);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("500 KB", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task AMessageOverTheMessageLimitIsInvalid()
    {
        var big = "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"E\",\"properties\":{\"blob\":\"" + new string('x', 40_000) + "\"}}";
        var response = await app.PostAsync(big);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("larger than 32 KB", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AGzipBodyIsDecompressed()
    {
        var response = await app.Client().PostAsync($"/data/segmentio/{app.Key}", Gzip(Track));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var db = await app.DbAsync();
        Assert.Single(await db.Events.ToListAsync());
    }

    [Fact]
    public async Task AGzipBodyIsHeldToTheLimitAfterDecompression()
    {
        // ~1 MB of repeated text compresses to a few KB: the limit must apply to what it expands to.
        var big = "[" + string.Join(",", Enumerable.Repeat(Track, 1_000_000 / Track.Length)) + "]";
        var content = Gzip(big);
        Assert.True((await content.ReadAsByteArrayAsync()).Length < 100_000);

        var response = await app.Client().PostAsync($"/data/segmentio/{app.Key}", content);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task ACorruptGzipBodyIs400()
    {
        var content = new ByteArrayContent([1, 2, 3, 4, 5, 6, 7, 8]);
        content.Headers.ContentType = new("application/json");
        content.Headers.ContentEncoding.Add("gzip");

        var response = await app.Client().PostAsync($"/data/segmentio/{app.Key}", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("00000000-0000-0000-0000-000000000000")]
    [InlineData("not-a-key")]
    public async Task AnUnknownKeyIs401WithAJsonError(string key)
    {
        var response = await app.PostAsync(Track, key);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("API key", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task ARevokedKeyIs401()
    {
        await using (var db = await app.DbAsync())
        {
            await db.ApiKeys.ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAt, DateTimeOffset.UtcNow));
        }
        app.Get<Portal.Core.Applications.ApiKeyResolver>().Invalidate();

        Assert.Equal(HttpStatusCode.Unauthorized, (await app.PostAsync(Track)).StatusCode);
    }

    [Fact]
    public async Task AKeyOfAnArchivedApplicationIs401()
    {
        await using (var db = await app.DbAsync())
        {
            await db.Applications.ExecuteUpdateAsync(s => s.SetProperty(a => a.ArchivedAt, DateTimeOffset.UtcNow));
        }
        app.Get<Portal.Core.Applications.ApiKeyResolver>().Invalidate();

        Assert.Equal(HttpStatusCode.Unauthorized, (await app.PostAsync(Track)).StatusCode);
    }

    [Fact]
    public async Task EveryRequestLeavesALogEntryWithItsOutcomes()
    {
        await app.PostAsync(Track);
        await app.PostAsync("""[{"type":"page","userId":"u"},{"type":"track","userId":"u"}]""");

        var page = await app.Get<IngestionLogQueries>().ListAsync(app.AppId, IngestionLogStatusFilter.All, IngestionLogTypeFilter.All, 0, 10);
        Assert.Equal(2, page.Total);
        Assert.Equal((400, 1, 1), (page.Rows[0].StatusCode, page.Rows[0].Skipped, page.Rows[0].Invalid));
        Assert.Equal((200, 1, "segmentio"), (page.Rows[1].StatusCode, page.Rows[1].Accepted, page.Rows[1].Source));
        var detail = await app.Get<IngestionLogQueries>().GetDetailAsync(app.AppId, page.Rows[0].Id);
        Assert.Contains("\"outcome\":\"skipped\"", detail!.OutcomesJson);
        Assert.Contains("\"type\":\"page\"", detail.RawBody);
        var invalidOnly = await app.Get<IngestionLogQueries>().ListAsync(app.AppId, IngestionLogStatusFilter.Invalid, IngestionLogTypeFilter.All, 0, 10);
        Assert.Single(invalidOnly.Rows);
    }

    [Fact]
    public async Task TheAgentPathStoresMetadataWithGroupTypeAgentAndListValues()
    {
        var response = await app.PostAsync("""{"visitor":{"id":"v-1","roles":["admin","editor"],"email":"a@b.c"},"account":{"id":"acme","tier":"gold"}}""",
            path: "agent");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var db = await app.DbAsync();
        var visitor = await db.Visitors.SingleAsync();
        var roles = JsonDocument.Parse(visitor.MetadataJson).RootElement.GetProperty(GroupTypes.Agent).GetProperty("roles").GetProperty("v");
        Assert.Equal(JsonValueKind.Array, roles.ValueKind);
        Assert.Equal("editor", roles[1].GetString());
        var field = await db.MetadataFields.SingleAsync(f => f.Name == "roles");
        Assert.Equal((Portal.Core.Metadata.FieldType.List, GroupTypes.Agent), (field.InferredType, field.GroupType));
        var account = await db.Accounts.SingleAsync();
        Assert.True(account.HasMetadata);
        Assert.Contains("\"agent\"", account.MetadataJson);
        var link = await db.VisitorAccounts.SingleAsync();
        Assert.Equal(("v-1", "acme"), (link.VisitorId, link.AccountId));
    }

    [Fact]
    public async Task TheAgentPathWithoutVisitorIdIs400()
    {
        var response = await app.PostAsync("""{"visitor":{"email":"a@b.c"}}""", path: "agent");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task CorsIsAllowedOnTheAgentRouteOnly()
    {
        var client = app.Client();
        var agent = new HttpRequestMessage(HttpMethod.Post, $"/data/agent/{app.Key}") { Content = IngestionApp.Json("""{"visitor":{"id":"v"}}""", "text/plain") };
        agent.Headers.Add("Origin", "https://shop.example.com");
        var segment = new HttpRequestMessage(HttpMethod.Post, $"/data/segmentio/{app.Key}") { Content = IngestionApp.Json(Track) };
        segment.Headers.Add("Origin", "https://shop.example.com");

        var agentResponse = await client.SendAsync(agent);
        var segmentResponse = await client.SendAsync(segment);

        Assert.Equal("*", agentResponse.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.False(segmentResponse.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task TheAgentRouteAnswersACorsPreflight()
    {
        var preflight = new HttpRequestMessage(HttpMethod.Options, $"/data/agent/{app.Key}");
        preflight.Headers.Add("Origin", "https://shop.example.com");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "content-type");

        var response = await app.Client().SendAsync(preflight);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Contains("POST", response.Headers.GetValues("Access-Control-Allow-Methods").Single());
    }

    [Fact]
    public async Task IngestionWorksBeforeTheFirstUserExists()
    {
        // No user has been created: the first-run gate and the sign-in requirement must leave /data alone.
        Assert.Equal(HttpStatusCode.OK, (await app.PostAsync(Track)).StatusCode);
    }

    private static ByteArrayContent Gzip(string text)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(text));
        }
        var content = new ByteArrayContent(buffer.ToArray());
        content.Headers.ContentType = new("application/json");
        content.Headers.ContentEncoding.Add("gzip");
        return content;
    }
}

/// <summary>The same endpoint on PostgreSQL.</summary>
public sealed class IngestionEndpointTestsOnPostgres : IngestionEndpointTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
