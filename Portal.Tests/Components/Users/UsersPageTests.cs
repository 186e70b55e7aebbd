using MudBlazor.Extensions;
using Bunit;
using MudBlazor;
using Portal.Components.Pages.Users;
using Portal.Core.Users;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Components.Users;

public sealed class UsersPageTests : PortalComponentTest
{
    [Fact]
    public async Task TheUsersPageListsUsersWithRoles()
    {
        await CreateUserAsync("admin@portal.test", PortalRoles.Admin);
        await CreateUserAsync("viewer@portal.test", PortalRoles.Viewer);
        SignInAs("admin@portal.test", PortalRoles.Admin);
        RenderProviders();

        var page = Render<Portal.Components.Pages.Users.Users>();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("tbody tr").Count));
        Assert.Contains("admin@portal.test", page.Markup);
        Assert.Contains("viewer@portal.test", page.Markup);
    }

    [Fact]
    public async Task DemotingTheLastAdminIsRefusedAndTheRoleStays()
    {
        await CreateUserAsync("admin@portal.test", PortalRoles.Admin);
        SignInAs("admin@portal.test", PortalRoles.Admin);
        var providers = RenderProviders();
        var snackbars = Render<MudSnackbarProvider>();
        var page = Render<Portal.Components.Pages.Users.Users>();
        page.WaitForAssertion(() => Assert.Single(page.FindAll("tbody tr")));

        var select = page.FindComponent<MudSelect<string>>();
        // As a person picks it: the select takes the value, then reports it.
        await page.InvokeAsync(() => select.Instance.SelectOption(PortalRoles.Viewer));

        snackbars.WaitForAssertion(() => Assert.Contains("last Admin", snackbars.Markup));
        Assert.Equal(PortalRoles.Admin, (await Admin<UserAdminService>().ListAsync()).Single().Role);
        // The selector shows the stored role again, not the refused choice.
        page.WaitForAssertion(() => Assert.Equal(PortalRoles.Admin, page.FindComponent<MudSelect<string>>().Instance.GetState(s => s.Value)));
    }

    [Fact]
    public async Task LockingTheLastAdminIsRefused()
    {
        await CreateUserAsync("admin@portal.test", PortalRoles.Admin);
        SignInAs("admin@portal.test", PortalRoles.Admin);
        RenderProviders();
        var snackbars = Render<MudSnackbarProvider>();
        var page = Render<Portal.Components.Pages.Users.Users>();
        page.WaitForAssertion(() => Assert.Single(page.FindAll("tbody tr")));

        page.FindAll("button").Single(b => b.TextContent.Trim() == "Lock").Click();

        snackbars.WaitForAssertion(() => Assert.Contains("last Admin", snackbars.Markup));
        Assert.False((await Admin<UserAdminService>().ListAsync()).Single().IsLockedOut);
    }

    [Fact]
    public async Task AnAdminAddsAViewerThroughTheDialog()
    {
        await CreateUserAsync("admin@portal.test", PortalRoles.Admin);
        SignInAs("admin@portal.test", PortalRoles.Admin);
        var dialogs = RenderProviders();
        var page = Render<Portal.Components.Pages.Users.Users>();

        page.Find("[data-testid=add-user]").Click();
        dialogs.WaitForElement("input[data-testid=new-user-email]").Input("new@portal.test");
        dialogs.Find("input[data-testid=new-user-password]").Input(PortalAppFactory.Password);
        dialogs.WaitForAssertion(() => Assert.False(dialogs.Find("[data-testid=create-user]").HasAttribute("disabled")));
        dialogs.Find("[data-testid=create-user]").Click();

        page.WaitForAssertion(() => Assert.Contains("new@portal.test", page.Markup));
        var created = (await Admin<UserAdminService>().ListAsync()).Single(u => u.Email == "new@portal.test");
        Assert.Equal(PortalRoles.Viewer, created.Role);
    }
}
