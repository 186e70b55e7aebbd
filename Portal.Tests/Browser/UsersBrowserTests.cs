using Microsoft.Playwright;
using Portal.Core.Users;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class UsersBrowserTests(BrowserFixture browser) : IDisposable
{
    private readonly PortalAppFactory _portal = new();

    [Fact]
    public async Task CreateAndResetPasswordAnswerTheFirstClickWhileThePasswordFieldStillHasFocusAndTheSnackbarLeavesAddUserFree()
    {
        var baseUrl = _portal.StartKestrel();
        await _portal.SeedUserAsync(PortalAppFactory.AdminEmail, PortalRoles.Admin);

        await browser.RunAsync(nameof(CreateAndResetPasswordAnswerTheFirstClickWhileThePasswordFieldStillHasFocusAndTheSnackbarLeavesAddUserFree), baseUrl, async page =>
        {
            await page.SignInAsync(PortalAppFactory.AdminEmail);
            await page.GotoAsync("/users");
            await page.WaitForCircuitAsync();

            await page.ClickAsync("[data-testid=add-user]");
            // As for Reset password below: type once the dialog's focus trap has taken focus, or it may take it from the field.
            await page.WaitForFunctionAsync("() => document.activeElement?.closest('.mud-dialog') != null");
            await page.FillAsync("input[data-testid=new-user-email]", "new@portal.test");
            await page.FillAsync("input[data-testid=new-user-password]", PortalAppFactory.Password);
            // Typing, not leaving the field, enables Create: the first click is not spent on a blur.
            await Assertions.Expect(page.Locator("input[data-testid=new-user-password]")).ToBeFocusedAsync();
            await Assertions.Expect(page.Locator("[data-testid=create-user]")).ToBeEnabledAsync();
            await page.ClickAsync("[data-testid=create-user]");

            var snackbar = page.Locator(".mud-snackbar", new() { HasText = "new@portal.test can now sign in" });
            await Assertions.Expect(snackbar).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("[data-testid=users-table]")).ToContainTextAsync("new@portal.test");
            var button = (await page.Locator("[data-testid=add-user]").BoundingBoxAsync())!;
            var toast = (await snackbar.BoundingBoxAsync())!;
            var overlaps = button.X < toast.X + toast.Width && toast.X < button.X + button.Width
                && button.Y < toast.Y + toast.Height && toast.Y < button.Y + button.Height;
            Assert.False(overlaps, $"The snackbar ({toast.X},{toast.Y} {toast.Width}x{toast.Height}) covers Add user ({button.X},{button.Y}).");

            await page.Locator("tr", new() { HasText = "new@portal.test" }).GetByRole(AriaRole.Button, new() { Name = "Reset password" }).ClickAsync();
            // The dialog's focus trap takes focus once it is set up: typing starts after that, as a person's would, or the trap
            // takes the focus away from the field between the fill and the click.
            await page.WaitForFunctionAsync("() => document.activeElement?.closest('.mud-dialog') != null");
            await page.FillAsync("input[data-testid=reset-password-value]", "another-long-password");
            await Assertions.Expect(page.Locator("input[data-testid=reset-password-value]")).ToBeFocusedAsync();
            await Assertions.Expect(page.Locator("[data-testid=reset-password]")).ToBeEnabledAsync();
            await page.ClickAsync("[data-testid=reset-password]");
            await Assertions.Expect(page.Locator(".mud-snackbar", new() { HasText = "Password of new@portal.test reset." })).ToBeVisibleAsync();
        });
    }

    public void Dispose() => _portal.Dispose();
}
