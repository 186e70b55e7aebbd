using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Core.Users;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class ApplicationsBrowserTests(BrowserFixture browser) : IDisposable
{
    private readonly PortalAppFactory _portal = new();

    [Fact]
    public async Task AnAdminCreatesAnAppGeneratesAKeyAndCopiesExactlyItsPortalWebhookUrl()
    {
        var baseUrl = _portal.StartKestrel();
        await _portal.SeedUserAsync(PortalAppFactory.AdminEmail, PortalRoles.Admin);

        await browser.RunAsync(nameof(AnAdminCreatesAnAppGeneratesAKeyAndCopiesExactlyItsPortalWebhookUrl), baseUrl, async page =>
        {
            await page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"], new BrowserContextGrantPermissionsOptions { Origin = baseUrl });
            await page.SignInAsync(PortalAppFactory.AdminEmail);

            await page.ClickAsync("[data-testid=nav-applications]");
            await page.ClickAsync("[data-testid=add-app]");
            await page.Locator("input[data-testid=app-name], [data-testid=app-name] input").First.FillAsync("Web shop");
            await page.ClickAsync("[data-testid=save-app]");

            // Creating leads to the new application's details page.
            await Assertions.Expect(page.Locator("[data-testid=app-title]")).ToHaveTextAsync("Web shop");
            await page.ClickAsync("[data-testid=generate-key]");
            await page.ClickAsync("[data-testid=prompt-confirm]");

            var key = (await page.Locator("[data-testid=issued-key]").TextContentAsync())!.Trim();
            Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", key);
            // A generated key works at this Portal only, and the dialog says so instead of offering Pendo's URLs.
            await Assertions.Expect(page.Locator("[data-testid=key-origin-note]")).ToContainTextAsync("only this Portal accepts it");
            await Assertions.Expect(page.Locator("[data-testid=copy-url-us]")).ToHaveCountAsync(0);
            await page.ClickAsync("[data-testid=copy-url-this-portal]");
            await Assertions.Expect(page.Locator(".mud-snackbar", new PageLocatorOptions { HasText = "Copied This Portal URL" })).ToBeVisibleAsync();

            var clipboard = await page.EvaluateAsync<string>("() => navigator.clipboard.readText()");
            Assert.Equal($"{baseUrl}/data/segmentio/{key}", clipboard);
        });
    }

    public void Dispose() => _portal.Dispose();
}
