using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Endpoints.Ingestion;

/// <summary>
/// OpenTelemetry listens to meters by name, whichever host made them: another test host ingesting at the same time
/// would add to these counters. The collection runs alone, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsScrapeCollection
{
    public const string Name = "Metrics scrape (alone)";
}

/// <summary><c>/metrics</c>: off by default, never anonymous unless chosen, and its counters move with real requests.</summary>
[Collection(MetricsScrapeCollection.Name)]
public sealed partial class MetricsEndpointTests
{
    private const string Token = "scrape-token-0123456789";

    private static string Track(string messageId) => $$"""{"type":"track","userId":"u","event":"E","messageId":"{{messageId}}"}""";

    private static Task<IngestionApp> StartAsync(bool enabled = true) => IngestionApp.StartAsync(f =>
    {
        if (!enabled) return;
        f.Settings["Metrics:Enabled"] = "true";
        f.Settings["Metrics:ScrapeToken"] = Token;
    });

    private static async Task<string> ScrapeAsync(IngestionApp app)
    {
        using var client = app.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static double Sample(string scrape, string metric, params string[] labels)
    {
        foreach (var line in scrape.Split('\n'))
        {
            if (!line.StartsWith(metric + "{", StringComparison.Ordinal) && !line.StartsWith(metric + " ", StringComparison.Ordinal)) continue;
            if (labels.All(l => line.Contains(l, StringComparison.Ordinal)))
                return double.Parse(SampleValue().Match(line).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        }
        return 0;
    }

    [Fact]
    public async Task TheCountersMoveWithRealRequests()
    {
        await using var app = await StartAsync();

        Assert.Equal(HttpStatusCode.OK, (await app.PostAsync($"[{Track("a")},{Track("b")},{Track("c")}]")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.PostAsync(Track("a"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await app.PostAsync("not json")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.PostAsync(Track("d"), key: "pk_" + new string('0', 40))).StatusCode);

        var scrape = await ScrapeAsync(app);
        Assert.Equal(3, Sample(scrape, "portal_ingestion_messages_total", "outcome=\"accepted\"", "source=\"segmentio\""));
        Assert.Equal(1, Sample(scrape, "portal_ingestion_messages_total", "outcome=\"duplicate\""));
        Assert.Equal(2, Sample(scrape, "portal_ingestion_requests_total", "status=\"200\"", "source=\"segmentio\""));
        Assert.Equal(1, Sample(scrape, "portal_ingestion_requests_total", "status=\"400\""));
        Assert.Equal(1, Sample(scrape, "portal_ingestion_requests_total", "status=\"401\""));
        Assert.Equal(1, Sample(scrape, "portal_ingestion_refused_total", "reason=\"unusable_body\""));
        Assert.Equal(1, Sample(scrape, "portal_ingestion_refused_total", "reason=\"unrecognised_key\""));
        Assert.True(Sample(scrape, "portal_ingestion_commits_total", "result=\"committed\"") >= 2);
        Assert.True(Sample(scrape, "portal_ingestion_commit_duration_seconds_count") >= 2);
        Assert.True(Sample(scrape, "portal_ingestion_commit_size_count") >= 2);
        Assert.Contains("portal_ingestion_queue_depth", scrape);
        Assert.Equal(1, Sample(scrape, "portal_ingestion_writer_healthy"));

        Assert.Equal(HttpStatusCode.OK, (await app.PostAsync(Track("e"))).StatusCode);
        Assert.Equal(4, Sample(await ScrapeAsync(app), "portal_ingestion_messages_total", "outcome=\"accepted\""));
    }

    [Fact]
    public async Task WithoutTheTokenOrAnAdminSignInTheEndpointIsRefused()
    {
        await using var app = await StartAsync();
        using var anonymous = app.Client();
        Assert.NotEqual(HttpStatusCode.OK, (await anonymous.GetAsync("/metrics")).StatusCode);
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "scrape-token-wrong-456789");
        Assert.NotEqual(HttpStatusCode.OK, (await anonymous.SendAsync(wrong)).StatusCode);

        await app.Factory.SeedUserAsync(PortalAppFactory.AdminEmail, "Admin");
        await app.Factory.SeedUserAsync(PortalAppFactory.ViewerEmail, "Viewer");
        using var viewer = await app.Factory.CreateSignedInClientAsync(PortalAppFactory.ViewerEmail);
        Assert.NotEqual(HttpStatusCode.OK, (await viewer.GetAsync("/metrics")).StatusCode);
        using var admin = await app.Factory.CreateSignedInClientAsync(PortalAppFactory.AdminEmail);
        var asAdmin = await admin.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, asAdmin.StatusCode);
        Assert.Contains("portal_ingestion", await asAdmin.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task MetricsAreOffByDefault()
    {
        await using var app = await StartAsync(enabled: false);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        var response = await app.Client().SendAsync(request);
        Assert.DoesNotContain("portal_ingestion", await response.Content.ReadAsStringAsync());
    }

    [GeneratedRegex(@"\}?\s([0-9.eE+-]+)(\s\d+)?\s*$")]
    private static partial Regex SampleValue();
}
