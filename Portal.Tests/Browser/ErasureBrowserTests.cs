using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Portal.Core.Applications;
using Portal.Core.Users;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class ErasureBrowserTests(BrowserFixture browser) : IDisposable
{
    private readonly PortalAppFactory _portal = new();

    [Fact]
    public async Task AnAdminErasesAVisitorByTypingItsIdAndALaterMessageCreatesItAfresh()
    {
        var baseUrl = _portal.StartKestrel();
        await _portal.SeedUserAsync(PortalAppFactory.AdminEmail, PortalRoles.Admin);
        var app = (await _portal.Admin<ApplicationService>().CreateAsync("Web shop")).Value!;
        var key = (await _portal.Admin<ApiKeyService>().GenerateAsync(app.Id)).Value!.Key;
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl) };
        await SendAsync(http, key, """{"type":"identify","userId":"user-7","messageId":"m1","traits":{"name":"Ada","plan":"pro"}}""");
        await SendAsync(http, key, """{"type":"track","userId":"user-7","event":"Clicked","messageId":"m2","properties":{"a":1}}""");

        await browser.RunAsync(nameof(AnAdminErasesAVisitorByTypingItsIdAndALaterMessageCreatesItAfresh), baseUrl, async page =>
        {
            await page.SignInAsync(PortalAppFactory.AdminEmail);
            await page.GotoAsync($"/visitor?app={app.Id}&id=user-7");
            await page.WaitForCircuitAsync();
            await Assertions.Expect(page.Locator("[data-testid=visitor-name]")).ToHaveTextAsync("Ada");

            await page.ClickAsync("[data-testid=erase-entity]");
            await Assertions.Expect(page.Locator("[data-testid=confirm-delete]")).ToBeDisabledAsync();
            await page.FillAsync("input[data-testid=confirm-typed]", "user-7");
            await Assertions.Expect(page.Locator("[data-testid=confirm-delete]")).ToBeEnabledAsync();
            await page.ClickAsync("[data-testid=confirm-delete]");

            await Assertions.Expect(page.Locator(".mud-snackbar", new() { HasText = "Deleted the visitor and 2 events." })).ToBeVisibleAsync();
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("/visitors\\?app="));
            await Assertions.Expect(page.Locator("[data-testid=no-visitors]")).ToBeVisibleAsync();

            await SendAsync(http, key, """{"type":"track","userId":"user-7","event":"Clicked","messageId":"m3","properties":{"a":2}}""");
            await page.GotoAsync($"/visitor?app={app.Id}&id=user-7");
            await page.WaitForCircuitAsync();
            await Assertions.Expect(page.Locator("[data-testid=visitor-id]")).ToHaveTextAsync("user-7");
            // Afresh: no name or traits from before, one event.
            await Assertions.Expect(page.Locator("[data-testid=visitor-name]")).ToHaveCountAsync(0);
            await Assertions.Expect(page.Locator("tr", new() { HasText = "numberOfEvents" })).ToContainTextAsync("1");
        });
    }

    private static async Task SendAsync(HttpClient http, string key, string json)
    {
        using var response = await http.PostAsync($"/data/segmentio/{key}", new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public void Dispose() => _portal.Dispose();
}
