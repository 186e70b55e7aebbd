using Portal.Tests.Infrastructure;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Portal.Components.Browse;
using Portal.Components.Pages.Accounts;
using Portal.Components.Pages.DataMappings;
using Portal.Components.Pages.Visitors;
using Portal.Components.Shared;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Metadata;
using Portal.Core.Users;
using Portal.Core.Visitors;
using Portal.Tests.Core.Browse;

namespace Portal.Tests.Components.Browse;

/// <summary>The erase button and its typed confirmation, default metadata in lists and pages, and field deletion in Data Mappings.</summary>
public sealed class ErasureAndDefaultsPageTests : BrowsePageTest
{
    private async Task<Guid> AppWithVisitorAsync(string visitorId = "u1")
    {
        var app = await Data.AppAsync();
        await Data.VisitorAsync(app, visitorId, BrowseData.Metadata(GroupTypes.Segment, ("plan", "pro")), accounts: ["acme"]);
        await Data.EventsAsync(app, ("track", "Clicked", visitorId, DateTimeOffset.UtcNow));
        return app;
    }

    [Fact]
    public async Task DeletingAVisitorNeedsItsIdTypedExactlyAndThenErasesIt()
    {
        var app = await AppWithVisitorAsync("user-42");
        SignInAs("admin@portal.test", PortalRoles.Admin);
        var dialogs = RenderProviders();
        var page = RenderAt<VisitorPage>(Links.Visitor(app, "user-42"));

        await page.ClickWhenPresentAsync("[data-testid=erase-entity]");
        var confirm = dialogs.WaitForElement("[data-testid=confirm-delete]");
        Assert.True(confirm.HasAttribute("disabled"));
        dialogs.Find("input[data-testid=confirm-typed]").Input("user-4");
        Assert.True(dialogs.Find("[data-testid=confirm-delete]").HasAttribute("disabled"));
        dialogs.Find("input[data-testid=confirm-typed]").Input("user-42");
        dialogs.WaitForAssertion(() => Assert.False(dialogs.Find("[data-testid=confirm-delete]").HasAttribute("disabled")));
        dialogs.Find("[data-testid=confirm-delete]").Click();

        var navigation = Service<NavigationManager>();
        page.WaitForAssertion(() => Assert.EndsWith(Links.Visitors(app), navigation.Uri));
        await using var db = await Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        Assert.False(await db.Visitors.AnyAsync());
        Assert.False(await db.Events.AnyAsync());
        Assert.False(await db.VisitorAccounts.AnyAsync());
    }

    [Fact]
    public async Task CancellingTheConfirmationKeepsTheVisitor()
    {
        var app = await AppWithVisitorAsync();
        SignInAs("admin@portal.test", PortalRoles.Admin);
        var dialogs = RenderProviders();
        var page = RenderAt<VisitorPage>(Links.Visitor(app, "u1"));

        await page.ClickWhenPresentAsync("[data-testid=erase-entity]");
        dialogs.WaitForElement("input[data-testid=confirm-typed]").Input("u1");
        dialogs.Find("[data-testid=confirm-cancel]").Click();

        dialogs.WaitForAssertion(() => Assert.Empty(dialogs.FindAll("[data-testid=confirm-delete]")));
        await using var db = await Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        Assert.True(await db.Visitors.AnyAsync());
    }

    [Fact]
    public async Task AViewerGetsNoDeleteButtonOnVisitorOrAccountPages()
    {
        var app = await AppWithVisitorAsync();
        await Data.AccountAsync(app, "acme", hasMetadata: true);
        SignInAs("viewer@portal.test", PortalRoles.Viewer);
        RenderProviders();

        var visitor = RenderAt<VisitorPage>(Links.Visitor(app, "u1"));
        visitor.WaitForAssertion(() => Assert.Contains("plan", visitor.Markup));
        var account = RenderAt<AccountPage>(Links.Account(app, "acme"));
        account.WaitForAssertion(() => Assert.Contains("account-id", account.Markup));

        Assert.Empty(visitor.FindAll("[data-testid=erase-entity]"));
        Assert.Empty(account.FindAll("[data-testid=erase-entity]"));
    }

    [Fact]
    public async Task TheVisitorsListShowsNameEmailAndDefaultMetadataColumnsAsText()
    {
        var app = await Data.AppAsync();
        await using (var db = await Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            db.Visitors.Add(new Visitor
            {
                ApplicationId = app, VisitorId = "u1", FirstSeen = DateTimeOffset.UtcNow.AddDays(-9), LastSeen = DateTimeOffset.UtcNow,
                EventCount = 12_345, DaysActive = 7, DisplayName = BrowseData.Script, Email = BrowseData.ImgBreakout,
            });
            await db.SaveChangesAsync();
        }
        SignInAs("viewer@portal.test", PortalRoles.Viewer);
        RenderProviders();

        var page = RenderAt<Visitors>(Links.Visitors(app));

        page.WaitForAssertion(() => Assert.Contains("12.3K", page.Find("[data-testid=visitor-grid]").TextContent));
        var headers = page.FindAll("[data-testid=visitor-grid] th").Select(h => h.TextContent.Trim()).ToList();
        Assert.Contains(headers, h => h.StartsWith("Name"));
        Assert.Contains(headers, h => h.StartsWith("Email"));
        Assert.Contains(headers, h => h.StartsWith("Days active"));
        Assert.Contains(headers, h => h.StartsWith("Events"));
        Assert.Contains(headers, h => h.StartsWith("First visit"));
        // Sortable: every column but Accounts has a sort control.
        Assert.Equal(7, page.FindAll("[data-testid=visitor-grid] th .sortable-column-header").Count);
        AssertRenderedAsText(page);
    }

    [Fact]
    public async Task AVisitorsPageShowsItsDefaultMetadataGroup()
    {
        var app = await AppWithVisitorAsync();
        SignInAs("viewer@portal.test", PortalRoles.Viewer);
        RenderProviders();

        var page = RenderAt<VisitorPage>(Links.Visitor(app, "u1"));

        page.WaitForAssertion(() => Assert.Contains(DefaultFields.NumberOfEvents, page.Markup));
        Assert.Contains("default", page.FindAll("[data-testid=group-type]").Select(c => c.TextContent.Trim()));
    }

    [Fact]
    public async Task AnAdminDeletesAFieldFromTheDrawerButADefaultFieldIsReadOnly()
    {
        var app = await AppWithVisitorAsync();
        await Data.FieldAsync(app, FieldKind.Visitor, GroupTypes.Segment, "zz_plan");
        SignInAs("admin@portal.test", PortalRoles.Admin);
        var dialogs = RenderProviders();
        var page = Render<DataMappings>(p => p.Add(x => x.AppId, app));
        page.WaitForAssertion(() => Assert.Contains("Zz plan", page.Markup));

        page.FindAll("[data-testid=field-grid] tbody tr").First(r => r.TextContent.Contains(DefaultFields.DaysActive)).Click();
        page.WaitForElement("[data-testid=default-field-note]");
        Assert.Empty(page.FindAll("[data-testid=mapping-edit]"));

        page.FindAll("[data-testid=field-grid] tbody tr").First(r => r.TextContent.Contains("Zz plan")).Click();
        await page.ClickWhenPresentAsync("[data-testid=delete-field]");
        dialogs.WaitForAssertion(() => Assert.Contains("Delete zz_plan?", dialogs.Markup));
        dialogs.FindAll("button").First(b => b.TextContent.Trim() == "Delete").Click();

        page.WaitForAssertion(() => Assert.DoesNotContain("Zz plan", page.Find("[data-testid=field-grid]").TextContent));
        await using var db = await Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        Assert.False(await db.MetadataFields.AnyAsync(f => f.Name == "zz_plan"));
    }

    [Fact]
    public void TheTypedConfirmationComparesExactlyIncludingCase()
    {
        var dialogs = RenderProviders();
        var service = Service<MudBlazor.IDialogService>();
        dialogs.InvokeAsync(() => service.ShowAsync<TypedConfirmDialog>("Delete?",
            new MudBlazor.DialogParameters<TypedConfirmDialog> { { d => d.Expected, "Acme" } }));

        dialogs.WaitForElement("input[data-testid=confirm-typed]").Input("acme");

        Assert.True(dialogs.Find("[data-testid=confirm-delete]").HasAttribute("disabled"));
        Assert.Equal("Acme", dialogs.Find("[data-testid=confirm-expected]").TextContent);
    }
}
