using Microsoft.Playwright;

namespace Portal.Tests.Infrastructure;

public static class PageExtensions
{
    /// <summary>Waits until the Blazor circuit is live (MainLayout renders the marker only when interactive).</summary>
    public static Task WaitForCircuitAsync(this IPage page) =>
        page.Locator("[data-testid=circuit-ready]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });

    public static async Task SignInAsync(this IPage page, string email, string password = PortalAppFactory.Password)
    {
        await page.GotoAsync("/Account/Login");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", password);
        await page.ClickAsync("[data-testid=login-submit]");
        await page.WaitForCircuitAsync();
    }
}
