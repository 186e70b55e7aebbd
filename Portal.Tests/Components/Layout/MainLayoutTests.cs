using Bunit;
using Microsoft.AspNetCore.Components;
using Portal.Components.Layout;
using Portal.Core.Users;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Components.Layout;

public sealed class MainLayoutTests : PortalComponentTest
{
    private IRenderedComponent<MainLayout> RenderLayout() =>
        Render<MainLayout>(p => p.Add(l => l.Body, (RenderFragment)(b => b.AddContent(0, "page body"))));

    [Fact]
    public void TheShellShowsProductNameNavigationUserAndBody()
    {
        SignInAs("admin@portal.test", PortalRoles.Admin);

        var layout = RenderLayout();

        Assert.Contains("Portal", layout.Find(".portal-brand").TextContent);
        Assert.Contains("page body", layout.Markup);
        Assert.Contains("admin@portal.test", layout.Find("[data-testid=user-menu]").TextContent);
        Assert.NotEmpty(layout.FindAll("a[href='']"));
    }

    [Fact]
    public void AdminsSeeTheUsersEntry()
    {
        SignInAs("admin@portal.test", PortalRoles.Admin);

        var nav = Render<NavMenu>();

        Assert.Single(nav.FindAll("a[href='users']"));
    }

    [Fact]
    public void ViewersDoNotSeeTheUsersEntry()
    {
        SignInAs("viewer@portal.test", PortalRoles.Viewer);

        var nav = Render<NavMenu>();

        Assert.Empty(nav.FindAll("a[href='users']"));
    }

    [Fact]
    public void TheThemeToggleStoresTheChoiceInTheBrowser()
    {
        SignInAs("admin@portal.test", PortalRoles.Admin);
        var layout = RenderLayout();

        layout.Find("[data-testid=theme-toggle]").Click();

        // The click handler finishes on the renderer's dispatcher: on a busy machine the call lands a moment later.
        layout.WaitForAssertion(() => JSInterop.VerifyInvoke("portal.setTheme"), TimeSpan.FromSeconds(30));
        var call = JSInterop.VerifyInvoke("portal.setTheme");
        Assert.Equal(true, call.Arguments[0]);
    }

    [Fact]
    public void TheCircuitMarkerRendersWhenInteractive()
    {
        SignInAs("admin@portal.test", PortalRoles.Admin);

        Assert.Single(RenderLayout().FindAll("[data-testid=circuit-ready]"));
    }

    [Fact]
    public void PrerenderedOutputHasNoCircuitMarker()
    {
        // Otherwise browser tests would click before the circuit is live.
        SignInAs("admin@portal.test", PortalRoles.Admin);
        SetRendererInfo(new RendererInfo("Static", isInteractive: false));

        Assert.Empty(RenderLayout().FindAll("[data-testid=circuit-ready]"));
    }
}
