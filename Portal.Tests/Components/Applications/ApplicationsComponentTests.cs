using Bunit;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using Portal.Components.Pages.Applications;
using Portal.Core.Applications;
using Portal.Core.Audit;
using Portal.Core.Data;
using Portal.Core.Users;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Components.Applications;

public sealed class ApplicationsComponentTests : PortalComponentTest
{
    private async Task<ApplicationSummary> CreateAppAsync(string name, string region = "US")
    {
        var created = await Admin<ApplicationService>().CreateAsync(name, region: region);
        Assert.True(created.Succeeded, created.Error);
        return (await Admin<ApplicationService>().GetAsync(created.Value!.Id))!;
    }

    [Fact]
    public async Task TheApplicationsGridShowsEachAppWithItsPlatformRegionAndKeyCount()
    {
        SignInAs("viewer@portal.test", PortalRoles.Viewer);
        var shop = await CreateAppAsync("Shop");
        await CreateAppAsync("Blog", "EU");
        await Admin<ApiKeyService>().GenerateAsync(shop.Id);
        await Admin<ApiKeyService>().GenerateAsync(shop.Id);

        var page = Render<Portal.Components.Pages.Applications.Applications>();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=app-link]").Count));
        var rows = page.FindAll("[data-testid=apps-grid] tbody tr");
        Assert.Contains(rows, r => r.TextContent.Contains("Blog") && r.TextContent.Contains("EU") && r.TextContent.Contains("Web"));
        var shopRow = rows.Single(r => r.TextContent.Contains("Shop"));
        Assert.Contains("2", shopRow.QuerySelectorAll("td").Select(td => td.TextContent.Trim()));
        Assert.Equal($"applications/{shop.Id}", page.FindAll("[data-testid=app-link]").Single(a => a.TextContent == "Shop").GetAttribute("href"));
        // Viewers get no way to create or archive.
        Assert.Empty(page.FindAll("[data-testid=add-app]"));
        Assert.Empty(page.FindAll("[data-testid=archive-app]"));
    }

    [Fact]
    public async Task ThePendoKeyDialogShowsTheKeyAndItsUrlsForEachRegionAndThisPortal()
    {
        SignInAs("admin@portal.test", PortalRoles.Admin);
        Service<Microsoft.Extensions.Configuration.IConfiguration>()["Webhooks:PublicBaseUrl"] = "https://portal.example.com";
        var providers = RenderProviders();
        const string key = "01234567-89ab-cdef-0123-456789abcdef";

        await providers.InvokeAsync(() => Service<IDialogService>().ShowAsync<KeyIssuedDialog>("Your new key",
            new DialogParameters<KeyIssuedDialog> { { d => d.Key, key }, { d => d.AppName, "Shop" }, { d => d.Origin, ApiKeyOrigin.Imported } }));

        providers.WaitForAssertion(() => Assert.Equal(key, providers.Find("[data-testid=issued-key]").TextContent));
        Assert.Equal($"https://data.pendo.io/data/segmentio/{key}", providers.Find("[data-testid=webhook-url-us]").TextContent);
        Assert.Equal($"https://data.eu.pendo.io/data/segmentio/{key}", providers.Find("[data-testid=webhook-url-eu]").TextContent);
        Assert.Equal($"https://portal.example.com/data/segmentio/{key}", providers.Find("[data-testid=webhook-url-this-portal]").TextContent);
    }

    [Fact]
    public async Task APortalKeysDialogOffersThisPortalOnlyAndSaysWhy()
    {
        SignInAs("admin@portal.test", PortalRoles.Admin);
        Service<Microsoft.Extensions.Configuration.IConfiguration>()["Webhooks:PublicBaseUrl"] = "https://portal.example.com";
        var providers = RenderProviders();
        const string key = "01234567-89ab-cdef-0123-456789abcdef";

        await providers.InvokeAsync(() => Service<IDialogService>().ShowAsync<KeyIssuedDialog>("Your new key",
            new DialogParameters<KeyIssuedDialog> { { d => d.Key, key }, { d => d.AppName, "Shop" }, { d => d.Origin, ApiKeyOrigin.Generated } }));

        providers.WaitForAssertion(() => Assert.Equal(key, providers.Find("[data-testid=issued-key]").TextContent));
        Assert.Equal($"https://portal.example.com/data/segmentio/{key}", providers.Find("[data-testid=webhook-url-this-portal]").TextContent);
        Assert.Empty(providers.FindAll("[data-testid=webhook-url-us]"));
        Assert.Contains("only this Portal accepts it", providers.Find("[data-testid=key-origin-note]").TextContent);
    }

    [Fact]
    public async Task TheKeyDialogOfAnEuApplicationListsEuFirstAndMarksIt()
    {
        SignInAs("admin@portal.test", PortalRoles.Admin);
        Service<Microsoft.Extensions.Configuration.IConfiguration>()["Webhooks:PublicBaseUrl"] = "https://portal.example.com";
        var providers = RenderProviders();
        const string key = "01234567-89ab-cdef-0123-456789abcdef";

        await providers.InvokeAsync(() => Service<IDialogService>().ShowAsync<KeyIssuedDialog>("Your new key",
            new DialogParameters<KeyIssuedDialog> { { d => d.Key, key }, { d => d.AppName, "Shop" }, { d => d.Region, "EU" }, { d => d.Origin, ApiKeyOrigin.Imported } }));

        providers.WaitForAssertion(() => Assert.Equal(
            ["webhook-row-eu", "webhook-row-us", "webhook-row-this-portal"],
            providers.FindAll("[data-testid=webhook-urls] tr").Select(r => r.GetAttribute("data-testid"))));
        var marked = Assert.Single(providers.FindAll("[data-testid=app-region]"));
        Assert.Equal("webhook-row-eu", marked.Closest("tr")!.GetAttribute("data-testid"));
    }

    [Fact]
    public async Task TheCopyButtonPutsTheExactUsUrlOnTheClipboardThroughPortalCopy()
    {
        SignInAs("admin@portal.test", PortalRoles.Admin);
        var providers = RenderProviders();
        var snackbar = Render<MudSnackbarProvider>();
        const string key = "01234567-89ab-cdef-0123-456789abcdef";
        JSInterop.SetupVoid("portal.copy", _ => true).SetVoidResult();

        await providers.InvokeAsync(() => Service<IDialogService>().ShowAsync<KeyIssuedDialog>("Your new key",
            new DialogParameters<KeyIssuedDialog> { { d => d.Key, key }, { d => d.AppName, "Shop" }, { d => d.Origin, ApiKeyOrigin.Imported } }));
        await providers.ClickWhenPresentAsync("[data-testid=copy-url-us]");

        var call = JSInterop.VerifyInvoke("portal.copy");
        Assert.Equal($"https://data.pendo.io/data/segmentio/{key}", Assert.Single(call.Arguments));
        snackbar.WaitForAssertion(() => Assert.Contains("Copied US URL", snackbar.Markup));
    }

    [Fact]
    public async Task AViewerSeesKeysMaskedWithNoWayToRevealOrChangeThem()
    {
        SignInAs("viewer@portal.test", PortalRoles.Viewer);
        var app = await CreateAppAsync("Shop");
        var issued = (await Admin<ApiKeyService>().GenerateAsync(app.Id, "prod")).Value!;
        RenderProviders();

        var table = Render<KeysTable>(p => p.Add(k => k.App, app).Add(k => k.IsAdmin, false));

        table.WaitForAssertion(() => Assert.Equal(ApiKeyFormat.Mask(issued.Hint), table.Find("[data-testid=masked-key]").TextContent));
        Assert.DoesNotContain(issued.Key, table.Markup);
        Assert.Empty(table.FindAll("[data-testid=reveal-key]"));
        Assert.Empty(table.FindAll("[data-testid=generate-key]"));
        Assert.Empty(table.FindAll("[data-testid=revoke-key]"));
    }

    [Fact]
    public async Task AViewerWhoseCircuitStillShowsAdminButtonsIsRefusedTheRevealOnTheServer()
    {
        // The page state claims Admin (as a stale or tampered circuit might), but the signed-in user is a Viewer.
        SignInAs("viewer@portal.test", PortalRoles.Viewer);
        var app = await CreateAppAsync("Shop");
        var issued = (await Admin<ApiKeyService>().GenerateAsync(app.Id)).Value!;
        RenderProviders();

        var table = Render<KeysTable>(p => p.Add(k => k.App, app).Add(k => k.IsAdmin, true));
        await table.ClickWhenPresentAsync("[data-testid=reveal-key]");

        Assert.DoesNotContain(issued.Key, table.Markup);
        Assert.Empty(table.FindAll("[data-testid=revealed-key]"));
        await using var db = await Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        Assert.False(await db.AuditEntries.AnyAsync(e => e.Action == AuditActions.KeyRevealed));
    }

    [Fact]
    public async Task AnAdminRevealsAKeyAndTheRevealIsAudited()
    {
        SignInAs("admin@portal.test", PortalRoles.Admin);
        var app = await CreateAppAsync("Shop");
        var issued = (await Admin<ApiKeyService>().GenerateAsync(app.Id)).Value!;
        RenderProviders();

        var table = Render<KeysTable>(p => p.Add(k => k.App, app).Add(k => k.IsAdmin, true));
        await table.ClickWhenPresentAsync("[data-testid=reveal-key]");

        table.WaitForAssertion(() => Assert.Equal(issued.Key, table.Find("[data-testid=revealed-key]").TextContent));
        await using var db = await Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var entry = await db.AuditEntries.SingleAsync(e => e.Action == AuditActions.KeyRevealed);
        Assert.Equal("admin@portal.test", entry.User);
    }

    [Fact]
    public async Task InstallSettingsShowsMaskedUrlsAndCopyingRevealsTheRealOneForAnAdmin()
    {
        SignInAs("admin@portal.test", PortalRoles.Admin);
        var app = await CreateAppAsync("Shop", "EU");
        var issued = (await Admin<ApiKeyService>().ImportAsync(app.Id, "12345678-aaaa-bbbb-cccc-1234567890ab")).Value!;
        JSInterop.SetupVoid("portal.copy", _ => true).SetVoidResult();
        RenderProviders();

        var install = Render<InstallSettings>(p => p.Add(k => k.App, app).Add(k => k.IsAdmin, true));

        install.WaitForAssertion(() => Assert.Equal($"https://data.eu.pendo.io/data/segmentio/{ApiKeyFormat.Mask(issued.Hint)}",
            install.Find("[data-testid=webhook-url-eu]").TextContent));
        // The steps start with the application's default region.
        Assert.Equal(install.Find("[data-testid=webhook-url-eu]").TextContent, install.Find("[data-testid=steps-url]").TextContent);
        Assert.DoesNotContain(issued.Key, install.Markup);

        install.Find("[data-testid=copy-url-eu]").Click();

        install.WaitForAssertion(() => Assert.Equal($"https://data.eu.pendo.io/data/segmentio/{issued.Key}",
            Assert.Single(JSInterop.VerifyInvoke("portal.copy").Arguments)));
        Assert.Equal($"https://data.eu.pendo.io/data/segmentio/{issued.Key}", install.Find("[data-testid=steps-url]").TextContent);
        // Once revealed, the agent snippet carries the real key too.
        install.WaitForAssertion(() => Assert.Contains($"data-portal-key=\"{issued.Key}\"", install.Find("[data-testid=agent-snippet-code]").TextContent));
    }

    [Fact]
    public async Task InstallSettingsGivesAViewerNoCopyButtons()
    {
        SignInAs("viewer@portal.test", PortalRoles.Viewer);
        var app = await CreateAppAsync("Shop");
        await Admin<ApiKeyService>().ImportAsync(app.Id, "12345678-aaaa-bbbb-cccc-1234567890ab");
        RenderProviders();

        var install = Render<InstallSettings>(p => p.Add(k => k.App, app).Add(k => k.IsAdmin, false));

        install.WaitForElement("[data-testid=webhook-url-us]");
        Assert.Empty(install.FindAll("[data-testid^=copy-]"));
        Assert.Empty(install.FindAll("[data-testid=reveal-urls]"));
        // The agent snippet is there, with the key masked.
        Assert.Contains("/js/portal-agent.js", install.Find("[data-testid=agent-snippet-code]").TextContent);
        Assert.Contains("data-portal-key=\"••••", install.Find("[data-testid=agent-snippet-code]").TextContent);
    }
}
