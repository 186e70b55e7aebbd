using Microsoft.Playwright;
using OtpNet;
using Portal.Core.Users;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class TwoFactorBrowserTests(BrowserFixture browser) : IDisposable
{
    private readonly PortalAppFactory _portal = new() { Settings = { ["SignIn:RequireTwoFactorForAdmins"] = "true" } };

    [Fact]
    public async Task AnAdminIsMadeToSetUpTwoFactorThenSignsInWithATotpAndWithARecoveryCode()
    {
        var baseUrl = _portal.StartKestrel();
        await _portal.SeedUserAsync(PortalAppFactory.AdminEmail, PortalRoles.Admin);

        await browser.RunAsync(nameof(AnAdminIsMadeToSetUpTwoFactorThenSignsInWithATotpAndWithARecoveryCode), baseUrl, async page =>
        {
            // The setting sends an Admin without 2FA straight to the set-up page.
            await SubmitPasswordAsync(page);
            await page.WaitForURLAsync("**/Account/Manage/EnableAuthenticator**");
            await Assertions.Expect(page.Locator("[data-testid=two-factor-required]")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("[data-testid=qr-code]")).ToBeVisibleAsync();
            var key = (await page.Locator("[data-testid=shared-key]").InnerTextAsync()).Replace(" ", "").ToUpperInvariant();
            var totp = new Totp(Base32Encoding.ToBytes(key));

            await page.FillAsync("#code", totp.ComputeTotp());
            await page.ClickAsync("[data-testid=verify-two-factor]");
            var codes = page.Locator("[data-testid=recovery-codes] code");
            await Assertions.Expect(codes).ToHaveCountAsync(10);
            var recoveryCode = (await codes.First.InnerTextAsync()).Trim();

            // With 2FA on, the Admin reaches the dashboard, then signs out.
            await page.GotoAsync("/");
            await page.WaitForCircuitAsync();
            await page.SignOutAsync();

            // Password, then a TOTP computed here from the shared key.
            await SubmitPasswordAsync(page);
            await page.WaitForURLAsync("**/Account/LoginWith2fa**");
            await page.FillAsync("#code", totp.ComputeTotp());
            await page.ClickAsync("[data-testid=two-factor-submit]");
            await page.WaitForCircuitAsync();
            await Assertions.Expect(page.Locator("[data-testid=user-menu]")).ToContainTextAsync(PortalAppFactory.AdminEmail);
            await page.SignOutAsync();

            // Password, then a recovery code instead of the app.
            await SubmitPasswordAsync(page);
            await page.WaitForURLAsync("**/Account/LoginWith2fa**");
            await page.ClickAsync("[data-testid=use-recovery-code]");
            await page.FillAsync("#recovery-code", recoveryCode);
            await page.ClickAsync("[data-testid=recovery-submit]");
            await page.WaitForCircuitAsync();
            await Assertions.Expect(page.Locator("[data-testid=user-menu]")).ToContainTextAsync(PortalAppFactory.AdminEmail);
        });
    }

    private static async Task SubmitPasswordAsync(IPage page)
    {
        await page.GotoAsync("/Account/Login");
        await page.FillAsync("#email", PortalAppFactory.AdminEmail);
        await page.FillAsync("#password", PortalAppFactory.Password);
        await page.ClickAsync("[data-testid=login-submit]");
    }

    public void Dispose() => _portal.Dispose();
}
