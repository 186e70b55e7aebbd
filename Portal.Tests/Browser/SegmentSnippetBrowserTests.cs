using System.Net;
using System.Text;
using Microsoft.Playwright;
using Portal.Core.Applications;
using Portal.Core.Common;
using Portal.Core.Metadata;
using Portal.Core.Users;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Browser;

/// <summary>
/// A customer's site with Segment's real analytics.js (Analytics Next from npm, with inline settings and every
/// other request answered locally) and portal-agent.js: Segment's calls drive the agent with no extra code,
/// while the webhook sends the same traits, so Data Mappings shows both group types.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class SegmentSnippetBrowserTests(BrowserFixture browser) : IDisposable
{
    private readonly PortalAppFactory _portal = new();
    private CustomerSite? _site;

    [Fact]
    public async Task SegmentsSnippetDrivesTheAgentSoAFieldSentByBothShowsBothGroupTypes()
    {
        var (baseUrl, app, key) = await StartAsync();
        await SendWebhookAsync(baseUrl, key, """
            {"type":"identify","userId":"visitor-1","messageId":"m-1","traits":{"plan":"pro","email":"ada@example.com"}}
            """);

        var site = await ServeCustomerSiteAsync($$"""
                <script src="/segment/index.js"></script>
                <script>
                  window.analytics = AnalyticsNext.AnalyticsBrowser.load(
                    { writeKey: "portal-test", cdnSettings: { integrations: {} } },
                    { integrations: { "Segment.io": false } });
                </script>
                <script src="{{baseUrl}}/js/portal-agent.js" data-portal-key="{{key}}" data-portal-base-url="{{baseUrl}}"></script>
                <script>
                  analytics.identify("visitor-1", { plan: "pro", email: "ada@example.com" });
                  analytics.group("account-1", { tier: "gold" });
                </script>
                """);

        await browser.RunAsync(nameof(SegmentsSnippetDrivesTheAgentSoAFieldSentByBothShowsBothGroupTypes), baseUrl, async page =>
        {
            await AnswerSegmentsCdnAsync(page);
            await page.GotoAsync(site);

            await page.SignInAsync(PortalAppFactory.AdminEmail);
            await page.GotoAsync($"/applications/{app}/data-mappings");
            await page.WaitForCircuitAsync();
            await Assertions.Expect(GroupTypes(page, "plan")).ToHaveTextAsync(["segment.io", "agent"], new() { Timeout = 30_000 });
        });

        var account = await _portal.Admin<DataMappingsService>().GetDetailsAsync(new FieldKey(app, FieldKind.Account, "", "tier"));
        Assert.Equal([Portal.Core.Common.GroupTypes.Agent], account!.PerGroupType.Select(g => g.GroupType));
    }

    [Fact]
    public async Task WithoutSegmentOnThePagePortalInitializeStillSendsTheVisitor()
    {
        var (baseUrl, app, key) = await StartAsync();

        var site = await ServeCustomerSiteAsync($$"""
                <script src="{{baseUrl}}/js/portal-agent.js" data-portal-key="{{key}}" data-portal-base-url="{{baseUrl}}"></script>
                <script>
                  portal.initialize({ visitor: { id: "visitor-2", role: "owner" }, account: { id: "account-2", seats: 5 } })
                    .then(() => document.body.dataset.sent = "yes");
                </script>
                """);

        await browser.RunAsync(nameof(WithoutSegmentOnThePagePortalInitializeStillSendsTheVisitor), baseUrl, async page =>
        {
            await page.GotoAsync(site);
            await Assertions.Expect(page.Locator("body[data-sent=yes]")).ToBeAttachedAsync();
        });

        var role = await _portal.Admin<DataMappingsService>().GetDetailsAsync(new FieldKey(app, FieldKind.Visitor, "", "role"));
        Assert.Equal([Portal.Core.Common.GroupTypes.Agent], role!.PerGroupType.Select(g => g.GroupType));
    }

    private async Task<(string BaseUrl, Guid App, string Key)> StartAsync()
    {
        var baseUrl = _portal.StartKestrel();
        await _portal.SeedUserAsync(PortalAppFactory.AdminEmail, PortalRoles.Admin);
        var app = (await _portal.Admin<ApplicationService>().CreateAsync("Web shop")).Value!;
        var key = (await _portal.Admin<ApiKeyService>().GenerateAsync(app.Id)).Value!.Key;
        return (baseUrl, app.Id, key);
    }

    /// <summary>The customer's site: its own origin on 127.0.0.1, serving the page and Segment's analytics.js bundles.</summary>
    private async Task<string> ServeCustomerSiteAsync(string body)
    {
        _site = await CustomerSite.StartAsync($"<!doctype html><html><body>{body}</body></html>", SegmentBundleFolder());
        return _site.Url;
    }

    /// <summary>Whatever Segment would fetch from its CDN or send to its API is answered from this machine: the page needs no network.</summary>
    private static async Task AnswerSegmentsCdnAsync(IPage page)
    {
        var bundles = SegmentBundleFolder();
        await page.RouteAsync("https://cdn.segment.com/**", route => FulfillFileAsync(route, bundles));
        await page.RouteAsync("https://api.segment.io/**", route => route.FulfillAsync(new() { Status = 200, Body = "{}" }));
    }

    private static Task FulfillFileAsync(IRoute route, string folder)
    {
        var file = Path.Combine(folder, Path.GetFileName(new Uri(route.Request.Url).AbsolutePath));
        return File.Exists(file)
            ? route.FulfillAsync(new() { ContentType = "application/javascript", Path = file })
            : route.FulfillAsync(new() { Status = 404 });
    }

    private static string SegmentBundleFolder()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Portal.sln"))) dir = dir.Parent;
        var folder = Path.Combine(dir!.FullName, "Portal.Tests", "Browser", "segment", "node_modules", "@segment", "analytics-next", "dist", "umd");
        if (!File.Exists(Path.Combine(folder, "index.js")))
            throw new InvalidOperationException($"Segment's analytics.js is missing in {folder}: run ./test.sh, which installs it with npm.");
        return folder;
    }

    private static async Task SendWebhookAsync(string baseUrl, string key, string json)
    {
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl) };
        using var response = await http.PostAsync($"/data/segmentio/{key}", new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static ILocator GroupTypes(IPage page, string field) =>
        page.Locator("[data-testid=field-grid] tbody tr")
            .Filter(new() { Has = page.Locator("code.portal-field-name", new() { HasTextString = field }) })
            .Locator("[data-testid=group-type]");

    public void Dispose()
    {
        _site?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _portal.Dispose();
    }
}
