using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Core.Applications;
using Portal.Core.Metadata;
using Portal.Core.Users;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Browser;

[Collection(BrowserCollection.Name)]
public sealed class DataMappingsBrowserTests(BrowserFixture browser) : IDisposable
{
    private readonly PortalAppFactory _portal = new();

    [Fact]
    public async Task SegmentEventsSentToTheEndpointShowTheirFieldsTypedOnDataMappingsAndAnAdminsTypeOverrideSurvivesAReload()
    {
        var baseUrl = _portal.StartKestrel();
        await _portal.SeedUserAsync(PortalAppFactory.AdminEmail, PortalRoles.Admin);
        var app = (await _portal.Admin<ApplicationService>().CreateAsync("Web shop")).Value!;
        var key = (await _portal.Admin<ApiKeyService>().GenerateAsync(app.Id)).Value!.Key;

        var now = DateTimeOffset.UtcNow.ToString("O");
        using (var http = new HttpClient { BaseAddress = new Uri(baseUrl) })
        {
            await SendAsync(http, key, $$$"""
                {"type":"identify","userId":"visitor-1","messageId":"m-identify","timestamp":"{{{now}}}",
                 "traits":{"first_name":"Ada","age":36,"score":4.5,"vip":true,"signed_up_at":"2024-03-01T09:30:00Z","groupId":"acme"}}
                """);
            await SendAsync(http, key, $$$"""
                {"type":"group","userId":"visitor-1","groupId":"acme","messageId":"m-group","timestamp":"{{{now}}}",
                 "traits":{"company_name":"Acme","employees":120}}
                """);
            await SendAsync(http, key, $$$"""
                {"type":"track","userId":"visitor-1","event":"Order Completed","messageId":"m-track","timestamp":"{{{now}}}",
                 "properties":{"order_total":99.95,"currency":"EUR"}}
                """);
        }

        await browser.RunAsync(nameof(SegmentEventsSentToTheEndpointShowTheirFieldsTypedOnDataMappingsAndAnAdminsTypeOverrideSurvivesAReload), baseUrl, async page =>
        {
            await page.SignInAsync(PortalAppFactory.AdminEmail);
            await page.GotoAsync($"/applications/{app.Id}/data-mappings");
            await page.WaitForCircuitAsync();

            // Visitor tab (the default): each identify trait with its inferred type, fed by the webhook (segment.io).
            await ExpectFieldAsync(page, "first_name", "text");
            await ExpectFieldAsync(page, "age", "number (integer)");
            await ExpectFieldAsync(page, "score", "number (float)");
            await ExpectFieldAsync(page, "vip", "boolean");
            await ExpectFieldAsync(page, "signed_up_at", "date");
            // groupId links the visitor to its account; it is not visitor metadata. The other four are Portal's default fields.
            await Assertions.Expect(FieldNames(page)).ToHaveCountAsync(5 + 4);

            await OpenTabAsync(page, "Account", "tab-account");
            await ExpectFieldAsync(page, "company_name", "text");
            await ExpectFieldAsync(page, "employees", "number (integer)");

            await OpenTabAsync(page, "Track event properties", "tab-track");
            await ExpectFieldAsync(page, "order_total", "number (float)");
            await ExpectFieldAsync(page, "currency", "text");
            await Assertions.Expect(Row(page, "currency")).ToContainTextAsync("Order Completed");

            // An Admin overrides age's type in the details drawer.
            await OpenTabAsync(page, "Visitor", "tab-visitor");
            await Row(page, "age").ClickAsync();
            var drawer = page.Locator("[data-testid=field-drawer]");
            await Assertions.Expect(drawer.Locator(".portal-field-name")).ToHaveTextAsync("age");
            await drawer.Locator("[data-testid=type-override]").ClickAsync();
            await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasTextRegex = new Regex("^text$") }).ClickAsync();
            await drawer.Locator("[data-testid=save-mapping]").ClickAsync();
            await Assertions.Expect(page.Locator(".mud-snackbar", new() { HasText = "Mapping saved." })).ToBeVisibleAsync();
            await Assertions.Expect(Row(page, "age").Locator("[data-testid=field-type]")).ToHaveTextAsync("text");

            // After a reload the grid still shows the override.
            await page.ReloadAsync();
            await page.WaitForCircuitAsync();
            await Assertions.Expect(Row(page, "age").Locator("[data-testid=field-type]")).ToHaveTextAsync("text");
            await Assertions.Expect(Row(page, "score").Locator("[data-testid=field-type]")).ToHaveTextAsync("number (float)");
        });

        // And it is stored: the override is kept beside the inferred type, which is unchanged.
        var stored = await _portal.Admin<DataMappingsService>()
            .GetDetailsAsync(new FieldKey(app.Id, FieldKind.Visitor, "", "age"));
        Assert.NotNull(stored);
        Assert.Equal(FieldType.Text, stored.Row.TypeOverride);
        Assert.Equal(FieldType.Integer, stored.Row.InferredType);
    }

    private static async Task SendAsync(HttpClient http, string key, string json)
    {
        using var response = await http.PostAsync($"/data/segmentio/{key}", new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("", await response.Content.ReadAsStringAsync());
    }

    private static async Task OpenTabAsync(IPage page, string tab, string panelTestId)
    {
        // MudTabs puts a panel's attributes on the panel, not on its header: the header is found by its tab role.
        await page.Locator("[data-testid=mapping-tabs]").GetByRole(AriaRole.Tab, new() { Name = tab, Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator($"[data-testid={panelTestId}]")).ToBeVisibleAsync();
    }

    private static ILocator FieldNames(IPage page) => page.Locator("[data-testid=field-grid] tbody tr code.portal-field-name");

    private static ILocator Row(IPage page, string field) =>
        page.Locator("[data-testid=field-grid] tbody tr").Filter(new()
        {
            Has = page.Locator("code.portal-field-name", new() { HasTextRegex = new Regex($"^{Regex.Escape(field)}$") }),
        });

    private static async Task ExpectFieldAsync(IPage page, string field, string type)
    {
        var row = Row(page, field);
        await Assertions.Expect(row.Locator("[data-testid=field-type]")).ToHaveTextAsync(type);
        await Assertions.Expect(row.Locator("[data-testid=group-type]")).ToHaveTextAsync(["segment.io"]);
    }

    public void Dispose() => _portal.Dispose();
}
