using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Core.Applications;
using Portal.Core.Users;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class GridPagesBrowserTests(BrowserFixture browser) : IDisposable
{
    private readonly PortalAppFactory _portal = new();

    [Fact]
    public async Task TheIngestionLogArrivesWithItsRowsThenPagesAndShowsNewRequestsLive()
    {
        var baseUrl = _portal.StartKestrel();
        await _portal.SeedUserAsync(PortalAppFactory.ViewerEmail, PortalRoles.Viewer);
        var app = (await _portal.Services.GetRequiredService<ApplicationService>().CreateAsync("test", "Web shop")).Value!;
        var key = (await _portal.Services.GetRequiredService<ApiKeyService>().GenerateAsync("test", app.Id)).Value!.Key;
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl) };
        for (var i = 0; i < 30; i++) await SendAsync(http, key, Track($"m-{i}"));

        await browser.RunAsync(nameof(TheIngestionLogArrivesWithItsRowsThenPagesAndShowsNewRequestsLive), baseUrl, async page =>
        {
            await page.SignInAsync(PortalAppFactory.ViewerEmail);
            await page.GotoAsync($"/ingestion-log?app={app.Id}");
            await page.WaitForCircuitAsync();
            var rows = page.Locator("[data-testid=log-grid] tbody tr.mud-table-row:has(> td[data-label])");
            await Assertions.Expect(rows).ToHaveCountAsync(25);

            // After the hand-over from the prerender, paging asks the server.
            await page.Locator("[data-testid=log-grid] button[aria-label='Next page']").ClickAsync();
            await Assertions.Expect(rows).ToHaveCountAsync(5);
            await page.Locator("[data-testid=log-grid] button[aria-label='Previous page']").ClickAsync();
            await Assertions.Expect(rows).ToHaveCountAsync(25);

            // A new request shows up on its own, newest first.
            await SendAsync(http, key, $"[{Track("m-live-1")},{Track("m-live-2")},{Track("m-live-3")}]");
            await Assertions.Expect(rows.First).ToContainTextAsync("3 track");
            await Assertions.Expect(page.Locator("#blazor-error-ui")).ToBeHiddenAsync();
        });
    }

    private static string Track(string messageId) =>
        $$"""{"type":"track","userId":"visitor-1","event":"Clicked","messageId":"{{messageId}}","timestamp":"{{DateTimeOffset.UtcNow:O}}"}""";

    private static async Task SendAsync(HttpClient http, string key, string json)
    {
        using var response = await http.PostAsync($"/data/segmentio/{key}", new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public void Dispose() => _portal.Dispose();
}
