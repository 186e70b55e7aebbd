using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Core.Applications;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Metadata;
using Portal.Core.Users;
using Portal.Tests.Core.Browse;
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
        var app = (await _portal.Admin<ApplicationService>().CreateAsync("Web shop")).Value!;
        var key = (await _portal.Admin<ApiKeyService>().GenerateAsync(app.Id)).Value!.Key;
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

    [Fact]
    public async Task DataMappingsWithLongSamplesComesAliveWhetherItsFirstPageIsHandedOverOrTooBigForThat()
    {
        var baseUrl = _portal.StartKestrel();
        await _portal.SeedUserAsync(PortalAppFactory.ViewerEmail, PortalRoles.Viewer);
        var data = new BrowseData(_portal.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>());
        // A first page (15 rows) past SignalR's 32 KB default once protected and encoded, yet within the snapshot budget; and
        // one far past that budget.
        var handedOver = await AppWithFieldsAsync(data, "Handed over", sampleLength: 500);
        var tooBig = await AppWithFieldsAsync(data, "Too big", sampleLength: 2_000);

        await browser.RunAsync(nameof(DataMappingsWithLongSamplesComesAliveWhetherItsFirstPageIsHandedOverOrTooBigForThat), baseUrl, async page =>
        {
            await page.SignInAsync(PortalAppFactory.ViewerEmail);
            foreach (var app in new[] { handedOver, tooBig })
            {
                await page.GotoAsync($"/applications/{app}/data-mappings");
                await page.WaitForCircuitAsync();
                var rows = page.Locator("[data-testid=field-grid] tbody tr.mud-table-row:has(> td[data-label])");
                await Assertions.Expect(rows).ToHaveCountAsync(15);
                await page.Locator("[data-testid=field-grid] button[aria-label='Next page']").ClickAsync();
                await Assertions.Expect(rows).ToHaveCountAsync(5);
            }
        });
    }

    private static async Task<Guid> AppWithFieldsAsync(BrowseData data, string name, int sampleLength)
    {
        var app = await data.AppAsync(name);
        for (var i = 0; i < 20; i++)
        {
            await data.FieldAsync(app, FieldKind.Visitor, GroupTypes.Segment, $"field_{i:D2}",
                samples: Enumerable.Range(0, 5).Select(s => $"{i}-{s}-" + new string('x', sampleLength)).ToArray());
        }
        return app;
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
