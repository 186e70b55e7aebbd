using Microsoft.EntityFrameworkCore;
using Portal.Core.Accounts;
using Portal.Core.Common;
using Portal.Core.Dashboard;
using Portal.Core.Data;
using Portal.Core.Events;
using Portal.Core.Metadata;
using Portal.Core.Visitors;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Core.Browse;

public class BrowseQueryTests : CoreTestBase
{
    private BrowseData Data => new(Get<IDbContextFactory<PortalDbContext>>());

    [Fact]
    public async Task VisitorsAreFoundByIdPrefixOrByAMetadataValue()
    {
        var app = await Data.AppAsync();
        await Data.VisitorAsync(app, "user-1", BrowseData.Metadata(GroupTypes.Segment, ("plan", "enterprise")));
        await Data.VisitorAsync(app, "user-2", BrowseData.Metadata(GroupTypes.Segment, ("plan", "free")));
        await Data.VisitorAsync(app, "admin-1", BrowseData.Metadata(GroupTypes.Segment, ("city", "Zürich")));
        var other = await Data.AppAsync("Other");
        await Data.VisitorAsync(other, "user-3");
        var visitors = Get<VisitorQueries>();

        Assert.Equal(["user-1", "user-2"], (await visitors.SearchAsync(app, "user-", VisitorSearchMode.Id, 0, 10)).Items.Select(v => v.VisitorId));
        Assert.Equal(["user-1"], (await visitors.SearchAsync(app, "Enterprise", VisitorSearchMode.MetadataValue, 0, 10)).Items.Select(v => v.VisitorId));
        Assert.Equal(["admin-1"], (await visitors.SearchAsync(app, "Zürich", VisitorSearchMode.MetadataValue, 0, 10)).Items.Select(v => v.VisitorId));
        Assert.Equal(3, (await visitors.SearchAsync(app, null, VisitorSearchMode.Id, 0, 10)).TotalCount);
    }

    [Fact]
    public async Task AVisitorsPageGroupsMetadataWithTypesAndListsAccountsAndRecentTrackEvents()
    {
        var app = await Data.AppAsync();
        await Data.VisitorAsync(app, "u1", BrowseData.Metadata(GroupTypes.Segment, ("logins", 3), ("beta", true)), accounts: ["acme"]);
        await Data.AccountAsync(app, "acme", hasMetadata: false);
        await Data.FieldAsync(app, FieldKind.Visitor, GroupTypes.Segment, "logins", type: FieldType.Float);
        var now = DateTimeOffset.UtcNow;
        await Data.EventsAsync(app, ("identify", null, "u1", now.AddMinutes(-3)), ("track", "Clicked", "u1", now.AddMinutes(-2)), ("track", "Viewed", "u1", now.AddMinutes(-1)));

        var visitor = (await Get<VisitorQueries>().GetAsync(app, "u1"))!;

        Assert.Equal([GroupTypes.Segment, GroupTypes.Default], visitor.Metadata.Select(g => g.GroupType));
        var segment = visitor.Metadata[0];
        Assert.Equal(FieldType.Boolean, segment.Values.Single(v => v.Name == "beta").Type);
        Assert.Equal(FieldType.Float, segment.Values.Single(v => v.Name == "logins").Type);
        Assert.False(Assert.Single(visitor.Accounts).HasMetadata);
        Assert.Equal(["Viewed", "Clicked"], visitor.RecentEvents.Select(e => e.Name));
    }

    [Fact]
    public async Task AccountsShowVisitorCountsAndWhetherTheyHaveMetadata()
    {
        var app = await Data.AppAsync();
        await Data.AccountAsync(app, "acme", hasMetadata: true, BrowseData.Metadata(GroupTypes.Segment, ("name", "Acme")));
        await Data.AccountAsync(app, "named-only", hasMetadata: false);
        await Data.VisitorAsync(app, "u1", accounts: ["acme"]);
        await Data.VisitorAsync(app, "u2", accounts: ["acme", "named-only"]);
        var accounts = Get<AccountQueries>();

        var page = await accounts.SearchAsync(app, null, AccountSort.VisitorCount, true, 0, 10);

        Assert.Equal([("acme", 2, true), ("named-only", 1, false)], page.Items.Select(a => (a.AccountId, a.VisitorCount, a.HasMetadata)));
        Assert.Equal(["u1", "u2"], (await accounts.VisitorsAsync(app, "acme", 0, 10)).Items.Select(v => v.VisitorId));
        Assert.Equal("Acme", (await accounts.GetAsync(app, "acme"))!.Metadata.Single(g => g.GroupType == GroupTypes.Segment).Values.Single().Text);
    }

    [Fact]
    public async Task TrackEventNamesComeWithCountsAndLastSeenAndTheirPropertyCatalogue()
    {
        var app = await Data.AppAsync();
        // Whole milliseconds: PostgreSQL keeps microseconds, .NET ticks are finer.
        var now = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        await Data.EventsAsync(app, ("track", "Signed Up", "u1", now.AddHours(-3)), ("track", "Clicked", "u1", now.AddHours(-2)),
            ("track", "Clicked", "u2", now.AddHours(-1)), ("identify", null, "u1", now));
        await Data.FieldAsync(app, FieldKind.TrackProperty, GroupTypes.Segment, "plan", "Clicked");
        var events = Get<TrackEventQueries>();

        var names = await events.ListNamesAsync(app, null, TrackEventSort.Name, 0, 10);

        Assert.Equal([("Clicked", 2L), ("Signed Up", 1L)], names.Items.Select(n => (n.Name, n.Count)));
        Assert.Equal(now.AddHours(-1).UtcTicks, names.Items[0].LastSeen!.Value.UtcTicks);
        Assert.Equal(["Clicked", "Signed Up"], (await events.ListNamesAsync(app, null, TrackEventSort.LastSeen, 0, 10)).Items.Select(n => n.Name));
        var clicked = (await events.GetAsync(app, "Clicked"))!;
        Assert.Equal("plan", Assert.Single(clicked.Properties).Name);
        Assert.Equal(["u2", "u1"], clicked.Recent.Select(e => e.VisitorId));
    }

    [Fact]
    public async Task TrackEventCountsFollowNewEventsAnErasureAndRetention()
    {
        var app = await Data.AppAsync();
        var now = DateTimeOffset.UtcNow;
        await Data.EventsAsync(app, ("track", "Clicked", "u1", now.AddHours(-3)), ("track", "Clicked", "u2", now.AddHours(-2)));
        var events = Get<TrackEventQueries>();
        // Every event is kept as counted at once (the margin for late commits would cover this whole test's ids).
        Get<TrackEventCounts>().Settled = 0;
        async Task<long> ClickedAsync() => (await events.ListNamesAsync(app, null, TrackEventSort.Name, 0, 10)).Items.Single().Count;
        Assert.Equal(2, await ClickedAsync());

        // Counted from where the last count stopped.
        await Data.EventsAsync(app, ("track", "Clicked", "u3", now.AddHours(-1)), ("track", "Clicked", "u3", now));
        Assert.Equal(4, await ClickedAsync());
        Assert.Equal(4, (await events.GetAsync(app, "Clicked"))!.Count);

        // An erasure deletes counted events: the counts start again.
        await Get<Portal.Core.Erasure.EntityEraser>().EraseAsync(app, FieldKind.Visitor, ["u3"]);
        Assert.Equal(2, await ClickedAsync());

        // So does retention, which deletes the oldest events and moves its watermark past them.
        await using (var db = await Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            var oldest = await db.Events.Where(e => e.ApplicationId == app).MinAsync(e => e.Id);
            await db.Events.Where(e => e.Id == oldest).ExecuteDeleteAsync();
            db.IndexWatermarks.Add(new IndexWatermark { Name = "TrackEventRetention", EventId = oldest });
            await db.SaveChangesAsync();
        }
        Assert.Equal(1, await ClickedAsync());
        Assert.Equal(1, (await events.GetAsync(app, "Clicked"))!.Count);
    }

    [Fact]
    public async Task AnEventCommittedLateWithALowerIdIsStillCountedWithinTheSettlingMargin()
    {
        var app = await Data.AppAsync();
        var now = DateTimeOffset.UtcNow;
        await using (var db = await Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            // Ids 1, 2, 6, 7 now; 5 arrives later, as a second instance's transaction that took its id earlier commits later.
            foreach (var id in new long[] { 1, 2, 6, 7 }) db.Events.Add(Clicked(app, id, now));
            await db.SaveChangesAsync();
        }
        Get<TrackEventCounts>().Settled = 3;
        var events = Get<TrackEventQueries>();
        async Task<long> ClickedAsync() => (await events.ListNamesAsync(app, null, TrackEventSort.Name, 0, 10)).Items.Single().Count;
        Assert.Equal(4, await ClickedAsync());

        await using (var db = await Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            db.Events.Add(Clicked(app, 5, now));
            await db.SaveChangesAsync();
        }

        Assert.Equal(5, await ClickedAsync());
    }

    private static SegmentEvent Clicked(Guid app, long id, DateTimeOffset at) => new()
    {
        Id = id, ApplicationId = app, MessageId = $"m{id}", Type = "track", Name = "Clicked", VisitorId = "u1", PayloadJson = "{}",
        Timestamp = at, ReceivedAt = at, GroupType = GroupTypes.Segment,
    };

    [Fact]
    public async Task TheDashboardCountsEventsPerHourAndNamesTheNextSetupStep()
    {
        var app = await Data.AppAsync();
        var now = Time.GetUtcNow();
        await Data.EventsAsync(app, ("track", "Old", "u1", now.AddDays(-3)), ("identify", null, "u1", now.AddMinutes(-90)),
            ("track", "Clicked", "u1", now.AddMinutes(-50)), ("track", "Clicked", "u1", now.AddMinutes(-5)), ("track", "Clicked", "u1", now.AddMinutes(-1)));
        await Data.VisitorAsync(app, "u1");

        var summary = await Get<DashboardService>().GetAsync(app);

        Assert.Equal(24, summary.EventsPerHour.Count);
        Assert.Equal(4, summary.EventsPerHour.Sum(h => h.Count));
        Assert.Equal(1, summary.Visitors);
        Assert.Equal(now.AddMinutes(-1).UtcTicks, summary.LastEventAt!.Value.UtcTicks);
        // No key yet and no group call: the key is the next step, and the group step is still open.
        Assert.Equal(SetupStep.KeyCreated, summary.NextStep);
        Assert.False(summary.Checklist.Single(s => s.Step == SetupStep.FirstGroup).Done);
        Assert.True(summary.Checklist.Single(s => s.Step == SetupStep.FirstTrack).Done);
    }
}

/// <summary>The same suite on PostgreSQL.</summary>
public sealed class BrowseQueryTestsOnPostgres : BrowseQueryTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
