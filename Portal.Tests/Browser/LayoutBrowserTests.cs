using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Core.Applications;
using Portal.Core.Users;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Browser;

/// <summary>What a person sees at a common laptop size (1280×800): nothing cut, nothing scrolled sideways, nothing broken mid-word.</summary>
[Collection(BrowserCollection.Name)]
public sealed class LayoutBrowserTests(BrowserFixture browser) : IDisposable
{
    private static readonly BrowserNewContextOptions Laptop = new() { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } };

    private readonly PortalAppFactory _portal = new();

    [Fact]
    public async Task DataMappingsFitsA1280PixelWindowWithEveryColumnWholeAndNoNameBrokenMidWord()
    {
        var baseUrl = _portal.StartKestrel();
        await _portal.SeedUserAsync(PortalAppFactory.AdminEmail, PortalRoles.Admin);
        var app = (await _portal.Admin<ApplicationService>().CreateAsync("Web shop")).Value!;
        var key = (await _portal.Admin<ApiKeyService>().GenerateAsync(app.Id)).Value!.Key;
        using (var http = new HttpClient { BaseAddress = new Uri(baseUrl) })
        {
            // Realistic traits: nested names, dates, lists, long sample values, a type conflict, a name Pendo refuses.
            for (var i = 0; i < 3; i++)
            {
                await SendAsync(http, key, new
                {
                    type = "identify", userId = $"visitor-{i}", messageId = $"m-{i}",
                    traits = new Dictionary<string, object>
                    {
                        ["first_name"] = $"Ada {i}", ["email"] = $"ada.lovelace.{i}@analytical-engines.example.com",
                        ["address"] = new { city = "Amsterdam", street_name = "Keizersgracht", postal_code = "1015 CJ" },
                        ["signed_up_at"] = "2026-01-15T10:00:00Z", ["nps_score"] = i == 0 ? "high" : 9, ["tags"] = new[] { "beta", "vip", "early-adopter" },
                        ["preferred_communication_channel"] = "email newsletter, weekly digest", ["Plan Tier"] = "enterprise",
                    },
                });
            }
            await SendAsync(http, key, new
            {
                type = "track", userId = "visitor-0", @event = "Checkout Step Completed", messageId = "m-track",
                properties = new Dictionary<string, object> { ["checkout_step_number"] = 2, ["payment_method.card_brand"] = "visa", ["order_total_including_tax"] = 99.95 },
            });
        }

        await browser.RunAsync(nameof(DataMappingsFitsA1280PixelWindowWithEveryColumnWholeAndNoNameBrokenMidWord), baseUrl, async page =>
        {
            await page.SignInAsync(PortalAppFactory.AdminEmail);
            await page.GotoAsync($"/applications/{app.Id}/data-mappings");
            await page.WaitForCircuitAsync();
            // Ten sent fields and Portal's four default ones.
            await Assertions.Expect(page.Locator("[data-testid=field-grid] tbody tr code.portal-field-name")).ToHaveCountAsync(10 + 4);

            await page.ScreenshotAsync(new PageScreenshotOptions { Path = ScreenshotPath("data-mappings-1280x800.png") });
            await AssertFitsAsync(page);

            // The track tab has one more column (Event).
            await page.Locator("[data-testid=mapping-tabs]").GetByRole(AriaRole.Tab, new() { Name = "Track event properties", Exact = true }).ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=tab-track] [data-testid=field-grid] tbody tr code.portal-field-name")).ToHaveCountAsync(3);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = ScreenshotPath("data-mappings-track-1280x800.png") });
            await AssertFitsAsync(page);
        }, Laptop);
    }

    [Fact]
    public async Task MaskedKeysStayOnOneLineAndTheTestEventEditorIsMonospaced()
    {
        var baseUrl = _portal.StartKestrel();
        await _portal.SeedUserAsync(PortalAppFactory.AdminEmail, PortalRoles.Admin);
        var app = (await _portal.Admin<ApplicationService>().CreateAsync("Web shop")).Value!;
        await _portal.Admin<ApiKeyService>().GenerateAsync(app.Id);

        await browser.RunAsync(nameof(MaskedKeysStayOnOneLineAndTheTestEventEditorIsMonospaced), baseUrl, async page =>
        {
            await page.SignInAsync(PortalAppFactory.AdminEmail);
            await page.GotoAsync($"/applications/{app.Id}");
            await page.WaitForCircuitAsync();
            var masked = page.Locator("[data-testid=masked-key]").First;
            await Assertions.Expect(masked).ToBeVisibleAsync();
            Assert.Equal(1, await masked.EvaluateAsync<int>("e => e.getClientRects().length"));
            Assert.Equal("nowrap", await masked.EvaluateAsync<string>("e => getComputedStyle(e).whiteSpace"));

            await page.GotoAsync($"/send-test-event?app={app.Id}");
            await page.WaitForCircuitAsync();
            var editor = page.Locator("textarea[data-testid=test-json]");
            await Assertions.Expect(editor).ToBeVisibleAsync();
            Assert.Contains("monospace", await editor.EvaluateAsync<string>("e => getComputedStyle(e).fontFamily"));
        }, Laptop);
    }

    private static async Task AssertFitsAsync(IPage page)
    {
        var layout = await page.EvaluateAsync<JsonElement>("""
            () => {
                const grid = [...document.querySelectorAll('[data-testid=field-grid]')].find(g => g.offsetParent !== null);
                const container = grid.querySelector('.mud-table-container') ?? grid;
                const right = container.getBoundingClientRect().right;
                const cut = [...grid.querySelectorAll('thead th')]
                    .filter(th => th.getBoundingClientRect().right > right + 1 || th.scrollWidth > th.clientWidth + 1)
                    .map(th => th.textContent.trim());
                // A name may wrap only between its parts (after . _ -); a part laid out on two lines was broken mid-word.
                const broken = [...grid.querySelectorAll('code.portal-field-name')].filter(code => {
                    const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
                    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                        const range = document.createRange();
                        range.selectNodeContents(node);
                        if (new Set([...range.getClientRects()].map(r => Math.round(r.top))).size > 1) return true;
                    }
                    return false;
                }).map(code => code.textContent);
                return {
                    containerScroll: container.scrollWidth, containerClient: container.clientWidth,
                    pageScroll: document.documentElement.scrollWidth, pageClient: document.documentElement.clientWidth,
                    cut, broken,
                };
            }
            """);
        Assert.True(layout.GetProperty("containerScroll").GetInt32() <= layout.GetProperty("containerClient").GetInt32(), $"The grid scrolls sideways: {layout}");
        Assert.True(layout.GetProperty("pageScroll").GetInt32() <= layout.GetProperty("pageClient").GetInt32(), $"The page scrolls sideways: {layout}");
        Assert.True(layout.GetProperty("cut").GetArrayLength() == 0, $"Columns cut: {layout}");
        Assert.True(layout.GetProperty("broken").GetArrayLength() == 0, $"Names broken mid-word: {layout}");
        // Every header, "Last seen" included, is whole in the window.
        await Assertions.Expect(page.Locator("[data-testid=field-grid] thead th:visible", new() { HasText = "Last seen" })).ToBeInViewportAsync(new() { Ratio = 1 });
    }

    private static string ScreenshotPath(string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Portal.sln"))) dir = dir.Parent;
        var folder = Path.Combine(dir?.FullName ?? AppContext.BaseDirectory, "TestResults", "screenshots");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, name);
    }

    private static async Task SendAsync(HttpClient http, string key, object message)
    {
        using var response = await http.PostAsync($"/data/segmentio/{key}", new StringContent(JsonSerializer.Serialize(message), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public void Dispose() => _portal.Dispose();
}
