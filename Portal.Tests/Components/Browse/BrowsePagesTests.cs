using Bunit;
using Microsoft.AspNetCore.Components;
using Portal.Components.Browse;
using Portal.Components.Pages.Accounts;
using Portal.Components.Pages.Dashboard;
using Portal.Components.Pages.Events;
using Portal.Components.Pages.Visitors;
using Portal.Core.Common;
using Portal.Core.Users;
using Portal.Tests.Core.Browse;

namespace Portal.Tests.Components.Browse;

public sealed class BrowsePagesTests : BrowsePageTest
{
    private const string Hostile = BrowseData.Script + BrowseData.ImgBreakout;

    public BrowsePagesTests() => SignInAs("viewer@portal.test", PortalRoles.Viewer);

    [Fact]
    public async Task TheVisitorsListRendersHostileVisitorIdsAsText()
    {
        var app = await Data.AppAsync();
        await Data.VisitorAsync(app, Hostile);
        RenderProviders();

        var page = RenderAt<Visitors>(Links.Visitors(app));

        page.WaitForAssertion(() => Assert.Contains("alert(1)", page.Find("[data-testid=visitor-grid]").InnerHtml));
        AssertRenderedAsText(page);
    }

    [Fact]
    public async Task AVisitorsPageRendersHostileMetadataAsTextWithItsAccountsAndEvents()
    {
        var app = await Data.AppAsync();
        await Data.VisitorAsync(app, "u1", BrowseData.Metadata(GroupTypes.Segment, (BrowseData.Script, BrowseData.ImgBreakout)), accounts: ["acme"]);
        await Data.EventsAsync(app, ("track", Hostile, "u1", DateTimeOffset.UtcNow));
        RenderProviders();

        var page = RenderAt<VisitorPage>(Links.Visitor(app, "u1"));

        page.WaitForAssertion(() => Assert.Contains("acme", page.Markup));
        Assert.NotEmpty(page.FindAll("[data-testid=event-table] tbody tr"));
        AssertRenderedAsText(page);
    }

    [Fact]
    public async Task AccountsNamedOnlyByIdentifyCarryTheNoMetadataBadge()
    {
        var app = await Data.AppAsync();
        await Data.AccountAsync(app, "named-only", hasMetadata: false);
        await Data.AccountAsync(app, Hostile, hasMetadata: true);
        RenderProviders();

        var page = RenderAt<Accounts>(Links.Accounts(app));

        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=no-metadata-badge]")));
        AssertRenderedAsText(page);
    }

    [Fact]
    public async Task AnAccountWithoutMetadataHintsAtTheGroupCall()
    {
        var app = await Data.AppAsync();
        await Data.AccountAsync(app, "named-only", hasMetadata: false);
        await Data.VisitorAsync(app, Hostile, accounts: ["named-only"]);
        RenderProviders();

        var page = RenderAt<AccountPage>(Links.Account(app, "named-only"));

        var hint = page.WaitForElement("[data-testid=group-call-hint]");
        Assert.Contains("group", hint.TextContent);
        AssertRenderedAsText(page);
    }

    [Fact]
    public async Task TrackEventNamesRenderAsTextWithTheirCounts()
    {
        var app = await Data.AppAsync();
        var now = DateTimeOffset.UtcNow;
        await Data.EventsAsync(app, ("track", Hostile, "u1", now.AddMinutes(-2)), ("track", Hostile, "u2", now.AddMinutes(-1)));
        RenderProviders();

        var page = RenderAt<TrackEvents>(Links.Events(app));

        page.WaitForAssertion(() => Assert.Contains("alert(1)", page.Find("[data-testid=event-grid]").InnerHtml));
        AssertRenderedAsText(page);
    }

    [Fact]
    public async Task AnEventsPageListsItsHostilePropertiesAsText()
    {
        var app = await Data.AppAsync();
        await Data.EventsAsync(app, ("track", "Clicked", "u1", DateTimeOffset.UtcNow));
        await Data.FieldAsync(app, Portal.Core.Metadata.FieldKind.TrackProperty, GroupTypes.Segment, BrowseData.Script, "Clicked", samples: [BrowseData.ImgBreakout]);
        RenderProviders();

        var page = RenderAt<TrackEventPage>(Links.Event(app, "Clicked"));

        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=event-properties] tbody tr")));
        AssertRenderedAsText(page);
    }

    [Fact]
    public async Task TheDashboardShowsCountsTheChartAndTheNextSetupStep()
    {
        var app = await Data.AppAsync();
        await Data.VisitorAsync(app, "u1");
        await Data.EventsAsync(app, ("identify", null, "u1", DateTimeOffset.UtcNow));
        RenderProviders();

        var page = RenderAt<Dashboard>($"?app={app}");

        page.WaitForAssertion(() => Assert.Contains("1", page.Find("[data-testid=stat-visitors]").TextContent));
        Assert.NotEmpty(page.FindAll("[data-testid=events-chart]"));
        Assert.Equal("true", page.Find("[data-testid=step-FirstIdentify]").GetAttribute("data-done"));
        Assert.Contains("API key", page.Find("[data-testid=next-step]").TextContent);
        // Every open step links where it is done; done steps are plain text.
        Assert.Equal($"applications/{app}", page.Find("[data-testid=step-link-KeyCreated]").GetAttribute("href"));
        Assert.Equal($"send-test-event?app={app}", page.Find("[data-testid=step-link-FirstGroup]").GetAttribute("href"));
        Assert.Equal($"send-test-event?app={app}", page.Find("[data-testid=step-link-FirstTrack]").GetAttribute("href"));
        Assert.Empty(page.FindAll("[data-testid=step-link-FirstIdentify]"));
    }

    [Fact]
    public async Task TheDashboardInvitesToCreateAnApplicationWhenThereIsNone()
    {
        RenderProviders();

        var page = Render<Dashboard>();

        page.WaitForElement("[data-testid=no-apps]");
        await Task.CompletedTask;
    }

    [Fact]
    public async Task CountsOfOneReadInTheSingular()
    {
        var app = await Data.AppAsync();
        await Data.AccountAsync(app, "acme", hasMetadata: true);
        await Data.VisitorAsync(app, "u1", accounts: ["acme"]);
        await Data.EventsAsync(app, ("track", "Signed Up", "u1", DateTimeOffset.UtcNow));
        RenderProviders();

        var eventPage = RenderAt<TrackEventPage>(Links.Event(app, "Signed Up"));
        eventPage.WaitForAssertion(() => Assert.Contains("Received 1 time;", Text(eventPage.Markup)));

        var accountPage = RenderAt<AccountPage>(Links.Account(app, "acme"));
        accountPage.WaitForAssertion(() => Assert.Contains("; 1 visitor.", Text(accountPage.Markup)));
    }

    [Fact]
    public async Task ASearchWithoutResultsSaysNoVisitorMatchesRatherThanHowVisitorsArrive()
    {
        var app = await Data.AppAsync();
        await Data.VisitorAsync(app, "u1");
        RenderProviders();
        var page = RenderAt<Visitors>(Links.Visitors(app));
        page.WaitForAssertion(() => Assert.Contains("u1", page.Find("[data-testid=visitor-grid]").TextContent));

        page.Find("input[data-testid=visitor-search]").Input("zzz");

        page.WaitForAssertion(() => Assert.Equal("No visitor matches “zzz”.", page.Find("[data-testid=no-visitors]").TextContent));
    }

    private static string Text(string markup) => System.Text.RegularExpressions.Regex.Replace(markup, "<[^>]+>", "");
}
