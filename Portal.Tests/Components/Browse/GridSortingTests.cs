using Bunit;
using Microsoft.AspNetCore.Components;
using Portal.Components.Browse;
using Portal.Components.Pages.Accounts;
using Portal.Components.Pages.DataMappings;
using Portal.Components.Pages.Visitors;
using Portal.Core.Common;
using Portal.Core.Metadata;
using Portal.Core.Users;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Components.Browse;

/// <summary>A click on a column's header sorts the rows by that column in the query, on each server-paged grid.</summary>
public sealed class GridSortingTests : BrowsePageTest
{
    private IRenderedComponent<T> RenderAsViewer<T>(string relativeUri, Action<ComponentParameterCollectionBuilder<T>>? parameters = null)
        where T : IComponent
    {
        SignInAs("viewer@portal.test", PortalRoles.Viewer);
        RenderProviders();
        return RenderAt(relativeUri, parameters);
    }

    private static List<string> FirstColumn<T>(IRenderedComponent<T> page, string grid) where T : IComponent =>
        page.FindAll($"[data-testid={grid}] tbody tr.mud-table-row td:first-child").Select(td => td.TextContent.Trim()).ToList();

    private static async Task SortByAsync<T>(IRenderedComponent<T> page, string grid, string title) where T : IComponent
    {
        var index = page.FindAll($"[data-testid={grid}] th").Select(th => th.TextContent.Trim()).ToList().FindIndex(t => t.StartsWith(title));
        Assert.True(index >= 0, $"no column {title}");
        await page.ClickWhenPresentAsync($"[data-testid={grid}] th:nth-child({index + 1}) .sortable-column-header");
    }

    [Fact]
    public async Task VisitorsSortByEventsWhenItsHeaderIsClicked()
    {
        var app = await Data.AppAsync();
        // Newest first by default: "busy" (more events) was seen last.
        await Data.VisitorAsync(app, "quiet", lastSeen: DateTimeOffset.UtcNow.AddHours(-2));
        await Data.VisitorAsync(app, "busy", lastSeen: DateTimeOffset.UtcNow);
        await Data.SetEventCountsAsync(app, ("busy", 50), ("quiet", 5));
        var page = RenderAsViewer<Visitors>(Links.Visitors(app));
        page.WaitForAssertion(() => Assert.Equal(["busy", "quiet"], FirstColumn(page, "visitor-grid")));

        await SortByAsync(page, "visitor-grid", "Events");

        page.WaitForAssertion(() => Assert.Equal(["quiet", "busy"], FirstColumn(page, "visitor-grid")));
    }

    [Fact]
    public async Task AccountsSortByAccountIdWhenItsHeaderIsClicked()
    {
        var app = await Data.AppAsync();
        await Data.AccountAsync(app, "zeta", hasMetadata: true);
        await Data.AccountAsync(app, "alpha", hasMetadata: true);
        var page = RenderAsViewer<Accounts>(Links.Accounts(app));
        page.WaitForElement("[data-testid=account-grid] tbody tr.mud-table-row");

        await SortByAsync(page, "account-grid", "Account ID");
        page.WaitForAssertion(() => Assert.Equal(["alpha", "zeta"], FirstColumn(page, "account-grid")));
        await SortByAsync(page, "account-grid", "Account ID");
        page.WaitForAssertion(() => Assert.Equal(["zeta", "alpha"], FirstColumn(page, "account-grid")));
    }

    [Fact]
    public async Task DataMappingsSortBySeenWhenItsHeaderIsClicked()
    {
        var app = await Data.AppAsync();
        await Data.FieldAsync(app, FieldKind.Visitor, GroupTypes.Segment, "often", count: 100);
        await Data.FieldAsync(app, FieldKind.Visitor, GroupTypes.Segment, "rarely", count: 1);
        var page = RenderAsViewer<DataMappings>($"/applications/{app}/data-mappings", p => p.Add(x => x.AppId, app));
        page.WaitForAssertion(() => Assert.Equal(["often", "rarely"], FirstColumn(page, "field-grid").Select(NameOf)));

        await SortByAsync(page, "field-grid", "Seen");

        page.WaitForAssertion(() => Assert.Equal(["rarely", "often"], FirstColumn(page, "field-grid").Select(NameOf)));
    }

    // The name cell also holds the field's flag chips.
    private static string NameOf(string cell) => cell.Split(' ', '\n')[0];
}
