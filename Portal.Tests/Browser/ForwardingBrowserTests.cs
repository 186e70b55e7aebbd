using System.Text;
using Microsoft.Playwright;
using Portal.Core.Applications;
using Portal.Core.Users;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class ForwardingBrowserTests(BrowserFixture browser) : IAsyncLifetime
{
    private readonly PortalAppFactory _portal = new();
    private FakePendo _pendo = default!;

    public async Task InitializeAsync() => _pendo = await FakePendo.StartedAsync();

    [Fact]
    public async Task AnAdminTurnsForwardingOnSeesAMessageDeliveredToPendoAndTurnsItOff()
    {
        _portal.Settings["Forwarding:Regions:0:Name"] = "Fake";
        _portal.Settings["Forwarding:Regions:0:BaseUrl"] = _pendo.BaseUrl;
        var baseUrl = _portal.StartKestrel();
        await _portal.SeedUserAsync(PortalAppFactory.AdminEmail, PortalRoles.Admin);
        var appId = (await _portal.Admin<ApplicationService>().CreateAsync("Web shop")).Value!.Id;
        var pendoKey = Guid.NewGuid().ToString();
        await _portal.Admin<ApiKeyService>().ImportAsync(appId, pendoKey);

        await browser.RunAsync(nameof(AnAdminTurnsForwardingOnSeesAMessageDeliveredToPendoAndTurnsItOff), baseUrl, async page =>
        {
            await page.SignInAsync(PortalAppFactory.AdminEmail);
            await page.GotoAsync($"/applications/{appId}?tab=forwarding");
            await page.WaitForCircuitAsync();
            await Assertions.Expect(page.Locator("[data-testid=forwarding-state]")).ToContainTextAsync("Off");

            await Assertions.Expect(page.Locator("[data-testid=forwarding-region]")).Not.ToContainTextAsync("Fake");
            await page.ClickAsync("[data-testid=forwarding-region]");
            await page.Locator(".mud-popover-open .mud-list-item", new PageLocatorOptions { HasText = "Fake" }).ClickAsync();
            // The choice travels to the server over the circuit: wait until the page shows it before turning forwarding on.
            await Assertions.Expect(page.Locator("[data-testid=forwarding-region]")).ToContainTextAsync("Fake");
            await page.ClickAsync("[data-testid=forwarding-on]");
            await Assertions.Expect(page.Locator("[data-testid=forwarding-state]"))
                .ToContainTextAsync($"On: forwarding to Pendo Fake with Pendo key …{pendoKey[^4..]}");

            // Segment sends to Portal with the Pendo key; Portal stores the message and passes it on.
            using (var client = new HttpClient { BaseAddress = new Uri(baseUrl) })
            {
                var response = await client.PostAsync($"/data/segmentio/{pendoKey}",
                    new StringContent("""{"type":"track","userId":"u-1","event":"Signed up","messageId":"browser-1"}""", Encoding.UTF8, "application/json"));
                Assert.True(response.IsSuccessStatusCode);
            }
            // The tab refreshes its figures by itself.
            await Assertions.Expect(page.Locator("[data-testid=fwd-delivered] .mud-typography-h5"))
                .ToHaveTextAsync("1", new LocatorAssertionsToHaveTextOptions { Timeout = 30_000 });
            Assert.Equal(["browser-1"], _pendo.DeliveredIds);

            await page.ClickAsync("[data-testid=forwarding-off]");
            await Assertions.Expect(page.Locator("[data-testid=forwarding-state]")).ToContainTextAsync("Off (was Fake");
        });
    }

    public async Task DisposeAsync()
    {
        _portal.Dispose();
        await _pendo.DisposeAsync();
    }
}
