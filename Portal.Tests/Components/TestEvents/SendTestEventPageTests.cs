using System.Net;
using System.Net.Sockets;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Portal.Components.Pages.TestEvents;
using Portal.Core.Applications;
using Portal.Core.Users;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Components.TestEvents;

public sealed class SendTestEventPageTests : PortalComponentTest
{
    private async Task<IssuedApiKey> AppWithKeyAsync()
    {
        var app = await Admin<ApplicationService>().CreateAsync("Web app");
        var key = await Admin<ApiKeyService>().GenerateAsync(app.Value!.Id);
        return key.Value!;
    }

    private IRenderedComponent<SendTestEvent> RenderPage()
    {
        RenderProviders();
        var page = Render<SendTestEvent>();
        page.WaitForAssertion(() => Assert.Contains("\"type\"", page.Find("textarea[data-testid=test-json]").GetAttribute("value") ?? page.Find("textarea[data-testid=test-json]").TextContent));
        return page;
    }

    [Fact]
    public async Task InvalidJsonSaysWhereAndCannotBeSent()
    {
        await AppWithKeyAsync();
        SignInAs("admin@portal.test", PortalRoles.Admin);
        var page = RenderPage();

        page.Find("textarea[data-testid=test-json]").Input("{\n  \"type\": \"track\",\n  \"event\": }");

        page.WaitForAssertion(() => Assert.Contains("Invalid JSON at line 3", page.Markup));
        Assert.True(page.Find("button[data-testid=send]").HasAttribute("disabled"));
    }

    [Fact]
    public async Task LoadingASampleFillsAFreshMessageOfTheChosenType()
    {
        await AppWithKeyAsync();
        SignInAs("admin@portal.test", PortalRoles.Admin);
        var page = RenderPage();
        var first = Json(page);

        page.Find("button[data-testid=load-sample]").Click();

        page.WaitForAssertion(() => Assert.NotEqual(first, Json(page)));
        Assert.Contains("\"type\": \"track\"", Json(page));
        Assert.False(page.Find("button[data-testid=send]").HasAttribute("disabled"));
    }

    [Fact]
    public async Task ARefusedConnectionShowsAClearMessageNotAnErrorPage()
    {
        await AppWithKeyAsync();
        SignInAs("admin@portal.test", PortalRoles.Admin);
        var page = RenderPage();
        await ChooseTargetAsync(page, "Custom URL");
        page.Find("input[data-testid=test-custom-url]").Change($"http://127.0.0.1:{ClosedPort()}");

        page.Find("button[data-testid=send]").Click();

        page.WaitForAssertion(() => Assert.Contains("refused", page.Find("[data-testid=test-network-error]").TextContent), TimeSpan.FromSeconds(15));
        Assert.Contains("no answer", page.Find("[data-testid=test-history]").TextContent);
    }

    [Fact]
    public async Task ViewersAreNotOfferedACustomUrl()
    {
        var app = await Admin<ApplicationService>().CreateAsync("Web app");
        await Admin<ApiKeyService>().ImportAsync(app.Value!.Id, "12345678-aaaa-bbbb-cccc-1234567890ab");
        SignInAs("viewer@portal.test", PortalRoles.Viewer);
        var popovers = Render<MudPopoverProvider>();
        var page = Render<SendTestEvent>();

        page.FindComponents<MudSelect<string>>().Single().Find("div.mud-input-control").MouseDown();

        popovers.WaitForAssertion(() => Assert.Contains("This Portal", popovers.Markup));
        Assert.Contains("EU", popovers.Markup);
        Assert.DoesNotContain("Custom URL", popovers.Markup);
    }

    [Fact]
    public async Task APortalKeyIsNotOfferedPendosRegions()
    {
        await AppWithKeyAsync();
        SignInAs("admin@portal.test", PortalRoles.Admin);
        var popovers = Render<MudPopoverProvider>();
        var page = Render<SendTestEvent>();

        page.FindComponents<MudSelect<string>>().Single().Find("div.mud-input-control").MouseDown();

        popovers.WaitForAssertion(() => Assert.Equal(["This Portal", "Custom URL"],
            popovers.FindAll(".mud-list-item").Select(i => i.TextContent.Trim())));
    }

    internal static string Json(IRenderedComponent<SendTestEvent> page)
    {
        var area = page.Find("textarea[data-testid=test-json]");
        return area.GetAttribute("value") ?? area.TextContent;
    }

    internal static async Task ChooseTargetAsync(IRenderedComponent<SendTestEvent> page, string target)
    {
        var select = page.FindComponents<MudSelect<string>>().Single();
        await page.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync(target));
        page.WaitForAssertion(() => Assert.Contains(target, select.Markup));
    }

    private static int ClosedPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
