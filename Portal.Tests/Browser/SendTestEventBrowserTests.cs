using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Core.Applications;
using Portal.Core.Users;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class SendTestEventBrowserTests(BrowserFixture browser) : IDisposable
{
    private readonly PortalAppFactory _portal = new();

    [Fact]
    public async Task ANewcomerSendsASampleTrackEventSeesSuccessAndTheEventThenADuplicateOnResend()
    {
        var baseUrl = _portal.StartKestrel();
        await _portal.SeedUserAsync(PortalAppFactory.AdminEmail, PortalRoles.Admin);
        var app = (await _portal.Admin<ApplicationService>().CreateAsync("Web shop")).Value!;
        await _portal.Admin<ApiKeyService>().GenerateAsync(app.Id);

        await browser.RunAsync(nameof(ANewcomerSendsASampleTrackEventSeesSuccessAndTheEventThenADuplicateOnResend), baseUrl, async page =>
        {
            await page.SignInAsync(PortalAppFactory.AdminEmail);
            await page.ClickAsync("[data-testid=nav-send-test-event]");
            var editor = page.Locator("textarea[data-testid=test-json]");
            var initial = await editor.InputValueAsync();
            await page.ClickAsync("[data-testid=load-sample]");
            // The new sample arrives over the circuit: wait for it before reading what will be sent.
            await Assertions.Expect(editor).Not.ToHaveValueAsync(initial);
            var json = await editor.InputValueAsync();
            var eventName = (string)JsonNode.Parse(json)!["event"]!;

            await page.ClickAsync("[data-testid=send]");

            await Assertions.Expect(page.Locator("[data-testid=test-status]")).ToContainTextAsync("200");
            await Assertions.Expect(page.Locator("[data-testid=test-empty-success]")).ToHaveTextAsync("Empty response: success");
            await Assertions.Expect(page.Locator("[data-testid=test-latency]")).ToContainTextAsync("ms");
            await Assertions.Expect(page.Locator("[data-testid=effect-accepted]")).ToHaveTextAsync("1 accepted");

            await page.ClickAsync("[data-testid=send-again]");
            await Assertions.Expect(page.Locator("[data-testid=effect-duplicate]")).ToHaveTextAsync("1 duplicate");
            await Assertions.Expect(page.Locator("[data-testid=test-history] tbody tr")).ToHaveCountAsync(2);

            // The event is on the track events page.
            await page.GotoAsync($"/events?app={app.Id}");
            await page.WaitForCircuitAsync();
            await Assertions.Expect(page.GetByText(eventName).First).ToBeVisibleAsync();
        });
    }

    public void Dispose() => _portal.Dispose();
}
