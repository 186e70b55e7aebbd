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

    /// <summary>
    /// Signs out through the user menu. A click that lands while the circuit is still busy (a slow machine) may not
    /// open the menu, so the menu is clicked until its sign-out item shows, a bounded number of times.
    /// </summary>
    public static async Task SignOutAsync(this IPage page)
    {
        var signOut = page.Locator("[data-testid=sign-out]");
        for (var attempt = 1; ; attempt++)
        {
            await page.ClickAsync("[data-testid=user-menu]");
            try
            {
                await signOut.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible, Timeout = 5_000 });
                break;
            }
            catch (TimeoutException) when (attempt < 4)
            {
            }
        }
        await signOut.ClickAsync();
        // Only the navigation is waited for here (generously: a busy machine renders slowly); the caller waits for what it uses next.
        await page.WaitForURLAsync("**/Account/Login", new PageWaitForURLOptions { WaitUntil = WaitUntilState.Commit, Timeout = 60_000 });
    }
}
