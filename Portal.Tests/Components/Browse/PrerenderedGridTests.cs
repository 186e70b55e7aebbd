using Bunit;
using Microsoft.AspNetCore.Components;
using Portal.Components.Browse;
using Portal.Components.Pages.Visitors;
using Portal.Core.Ingestion;
using Portal.Core.Users;
using Portal.Core.Visitors;

namespace Portal.Tests.Components.Browse;

/// <summary>The hand-over of a grid's first page from the prerender to the interactive render (Visitors stands for the five grid pages).</summary>
public sealed class PrerenderedGridTests : BrowsePageTest
{
    public PrerenderedGridTests() => SignInAs("viewer@portal.test", PortalRoles.Viewer);

    private IRenderedComponent<Visitors> RenderVisitors(Guid app)
    {
        RenderProviders();
        Service<NavigationManager>().NavigateTo(Links.Visitors(app));
        return Render<Visitors>();
    }

    private static string Key(Guid app) => $"grid:visitors/{app}";

    private static GridSnapshot<VisitorRow> Snapshot(string visitorId, int total, long published) =>
        new([new VisitorRow(visitorId, 0, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow)], total, 0, 25, "", published);

    private static IReadOnlyList<string> VisitorIds(IRenderedComponent<Visitors> page) =>
        page.FindAll("[data-testid=visitor-grid] tbody tr.mud-table-row > td[data-label='Visitor ID']").Select(c => c.TextContent.Trim()).ToList();

    [Fact]
    public async Task WhilePrerenderingTheGridRendersItsFirstPageAndPersistsIt()
    {
        SetRendererInfo(new RendererInfo("Static", isInteractive: false));
        var app = await Data.AppAsync();
        await Data.VisitorAsync(app, "from-the-database");

        var page = RenderVisitors(app);

        page.WaitForAssertion(() => Assert.Equal(["from-the-database"], VisitorIds(page)));
        // bUnit starts the persisting callbacks and the restore without awaiting them: wait until the snapshot can be taken.
        PersistentState.TriggerOnPersisting();
        GridSnapshot<VisitorRow>? snapshot = null;
        Assert.True(SpinWait.SpinUntil(() => PersistentState.TryTake(Key(app), out snapshot), TimeSpan.FromSeconds(10)));
        Assert.Equal("from-the-database", Assert.Single(snapshot!.Items).VisitorId);
        Assert.Equal(1, snapshot.TotalItems);
    }

    [Fact]
    public async Task TheInteractiveGridShowsTheHandedOverRowsWithoutAskingTheServerAndPagesFromTheServer()
    {
        var app = await Data.AppAsync();
        for (var i = 0; i < 30; i++) await Data.VisitorAsync(app, $"visitor-{i:D2}");
        PersistentState.Persist(Key(app), Snapshot("from-the-prerender", total: 30, Service<IngestionNotifications>().Published));

        var page = RenderVisitors(app);

        // The rows came from the hand-over: the database has no such visitor.
        Assert.Equal(["from-the-prerender"], VisitorIds(page));
        page.Find("[data-testid=visitor-grid] button[aria-label='Next page']").Click();
        page.WaitForAssertion(() => Assert.Equal(5, VisitorIds(page).Count));
        Assert.All(VisitorIds(page), id => Assert.StartsWith("visitor-", id));
    }

    [Fact]
    public async Task ACommitBetweenThePrerenderAndTheCircuitMakesTheGridAskTheServerAgain()
    {
        var app = await Data.AppAsync();
        await Data.VisitorAsync(app, "from-the-database");
        var notifications = Service<IngestionNotifications>();
        PersistentState.Persist(Key(app), Snapshot("from-the-prerender", total: 1, notifications.Published));
        notifications.Publish(new IngestionCommitted([app], 1, false, false));

        var page = RenderVisitors(app);

        page.WaitForAssertion(() => Assert.Equal(["from-the-database"], VisitorIds(page)));
    }
}
