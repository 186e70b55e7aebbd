using Bunit;
using Microsoft.Extensions.Configuration;
using MudBlazor;
using Portal.Components.Pages.TestEvents;
using Portal.Core.Applications;
using Portal.Core.Users;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Components.TestEvents;

/// <summary>
/// The sender page rendered by bUnit, sending to a real Portal on Kestrel that shares this test's
/// SQLite file and key ring, so the effect is read back from the ingestion log that Portal wrote.
/// </summary>
public sealed class SendTestEventToPortalTests : PortalComponentTest
{
    private PortalAppFactory? _portal;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _portal = new PortalAppFactory();
        _portal.Settings["Database:SqlitePath"] = Path.Combine(DataDirectory, "portal.db");
        _portal.Settings["KeyRing:Path"] = Path.Combine(DataDirectory, "keys");
        var baseUrl = _portal.StartKestrel();
        // Read when the page first builds webhook URLs, so "This Portal" is the Kestrel instance.
        Service<IConfiguration>()["Webhooks:PublicBaseUrl"] = baseUrl;

        var app = await Admin<ApplicationService>().CreateAsync("Web app");
        await Admin<ApiKeyService>().GenerateAsync(app.Value!.Id);
        SignInAs("admin@portal.test", PortalRoles.Admin);
        RenderProviders();
    }

    [Fact]
    public async Task ASampleTrackEventIsAnsweredWithAnEmptySuccessAndAccepted()
    {
        var page = Render<SendTestEvent>();

        await page.ClickWhenPresentAsync("button[data-testid=send]:not([disabled])");

        page.WaitForAssertion(() => Assert.Contains("200", page.Find("[data-testid=test-status]").TextContent), TimeSpan.FromSeconds(10));
        Assert.Equal("Empty response: success", page.Find("[data-testid=test-empty-success]").TextContent.Trim());
        page.WaitForAssertion(() => Assert.Contains("1 accepted", page.Find("[data-testid=effect-accepted]").TextContent), TimeSpan.FromSeconds(10));
        Assert.Contains("event?app=", page.Markup);
    }

    [Fact]
    public async Task AScreenCallIsAcknowledgedButSkippedWithTheReason()
    {
        var page = Render<SendTestEvent>();
        page.FindComponents<MudChip<string>>().Single(c => c.Instance.Value == "screen").Find(".mud-chip").Click();
        page.Find("button[data-testid=load-sample]").Click();
        page.WaitForAssertion(() => Assert.Contains("\"type\": \"screen\"", SendTestEventPageTests.Json(page)));

        await page.ClickWhenPresentAsync("button[data-testid=send]");

        page.WaitForAssertion(() => Assert.Contains("1 skipped", page.Find("[data-testid=effect-skipped]").TextContent), TimeSpan.FromSeconds(10));
        Assert.Contains("200", page.Find("[data-testid=test-status]").TextContent);
        Assert.Contains("not supported", page.Find("[data-testid=test-result]").TextContent);
    }

    [Fact]
    public async Task SendingAgainIsAcknowledgedAsADuplicate()
    {
        var page = Render<SendTestEvent>();
        await page.ClickWhenPresentAsync("button[data-testid=send]:not([disabled])");
        page.WaitForElement("[data-testid=effect-accepted]", TimeSpan.FromSeconds(10));

        await page.ClickWhenPresentAsync("button[data-testid=send-again]");

        page.WaitForAssertion(() => Assert.Contains("1 duplicate", page.Find("[data-testid=effect-duplicate]").TextContent), TimeSpan.FromSeconds(10));
        Assert.Equal(2, page.FindAll("[data-testid=test-history] tbody tr").Count);
    }


    protected override Task OnDisposeAsync()
    {
        _portal?.Dispose();
        return Task.CompletedTask;
    }
}
