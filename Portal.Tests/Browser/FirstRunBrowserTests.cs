using Microsoft.Playwright;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class FirstRunBrowserTests(BrowserFixture browser) : IDisposable
{
    private readonly PortalAppFactory _portal = new();

    [Fact]
    public async Task ANewcomerSetsUpSignsInSeesTheDashboardAndSignsOut()
    {
        var baseUrl = _portal.StartKestrel();

        await browser.RunAsync(nameof(ANewcomerSetsUpSignsInSeesTheDashboardAndSignsOut), baseUrl, async page =>
        {
            // First run: the portal sends the newcomer to /setup.
            await page.GotoAsync("/");
            Assert.EndsWith("/setup", page.Url);
            await page.FillAsync("#email", "first@portal.test");
            await page.FillAsync("#password", PortalAppFactory.Password);
            await page.FillAsync("#confirm", PortalAppFactory.Password);
            await page.ClickAsync("[data-testid=setup-submit]");

            // Signed in on the dashboard, with a live circuit.
            await page.WaitForCircuitAsync();
            await Assertions.Expect(page.Locator("h1, .mud-typography-h4").First).ToContainTextAsync("Dashboard");
            await Assertions.Expect(page.Locator("[data-testid=user-menu]")).ToContainTextAsync("first@portal.test");

            // Sign out through the user menu.
            await page.SignOutAsync();

            // /setup is gone, and signing in again leads back to the dashboard.
            var setup = await page.GotoAsync("/setup");
            Assert.Equal(404, setup!.Status);
            await page.SignInAsync("first@portal.test");
            await Assertions.Expect(page.Locator("[data-testid=user-menu]")).ToContainTextAsync("first@portal.test");
        });
    }

    public void Dispose() => _portal.Dispose();
}
