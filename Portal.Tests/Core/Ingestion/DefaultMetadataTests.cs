using Microsoft.EntityFrameworkCore;
using Portal.Core.Accounts;
using Portal.Core.Common;
using Portal.Core.Metadata;
using Portal.Core.Visitors;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Core.Ingestion;

/// <summary>Default metadata as the writer keeps it: events, days active, first and last visit, name and email.</summary>
public class DefaultMetadataTests : IngestionTestBase
{
    [Fact]
    public async Task AVisitorCountsItsStoredMessagesAndTheDaysTheyFellOn()
    {
        await SendAsync(new object[]
        {
            new { type = "identify", userId = "u1", messageId = "m1", timestamp = "2026-01-01T10:00:00Z", traits = new { name = "Ann Lee", email = "ann@example.com" } },
            new { type = "track", userId = "u1", messageId = "m2", @event = "Clicked", timestamp = "2026-01-01T23:59:00Z" },
        });
        await SendAsync(new { type = "track", userId = "u1", messageId = "m3", @event = "Clicked", timestamp = "2026-01-03T08:00:00Z" });
        // A resend is no new event.
        await SendAsync(new { type = "track", userId = "u1", messageId = "m3", @event = "Clicked", timestamp = "2026-01-03T08:00:00Z" });

        await using var db = await DbAsync();
        var visitor = await db.Visitors.SingleAsync();
        Assert.Equal((3L, 2), (visitor.EventCount, visitor.DaysActive));
        Assert.Equal(("Ann Lee", "ann@example.com"), (visitor.DisplayName, visitor.Email));
        var row = Assert.Single((await Get<VisitorQueries>().SearchAsync(AppId, null, VisitorSearchMode.Id, 0, 10)).Items);
        Assert.Equal((3L, 2, "Ann Lee", "ann@example.com"), (row.EventCount, row.DaysActive, row.DisplayName, row.Email));
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 10, 0, 0, TimeSpan.Zero), row.FirstSeen);
        Assert.Equal(new DateTimeOffset(2026, 1, 3, 8, 0, 0, TimeSpan.Zero), row.LastSeen);
    }

    [Fact]
    public async Task AMessageOlderThanTheLastActiveDayCountsAsAnEventButAddsNoDay()
    {
        await SendAsync(new { type = "track", userId = "u1", messageId = "m1", @event = "Clicked", timestamp = "2026-01-05T10:00:00Z" });
        await SendAsync(new { type = "track", userId = "u1", messageId = "m2", @event = "Clicked", timestamp = "2026-01-02T10:00:00Z" });

        await using var db = await DbAsync();
        var visitor = await db.Visitors.SingleAsync();
        Assert.Equal((2L, 1), (visitor.EventCount, visitor.DaysActive));
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 10, 0, 0, TimeSpan.Zero), visitor.FirstSeen);
    }

    [Fact]
    public async Task AnAccountShowsItsDefaultMetadataWithTheNumberOfVisitors()
    {
        await SendAsync(new object[]
        {
            new { type = "identify", userId = "u1", messageId = "m1", timestamp = "2026-01-01T10:00:00Z", traits = new { groupId = "acme" } },
            new { type = "identify", userId = "u2", messageId = "m2", timestamp = "2026-01-02T10:00:00Z", traits = new { groupId = "acme" } },
            new { type = "group", userId = "u2", groupId = "acme", messageId = "m3", timestamp = "2026-01-02T11:00:00Z", traits = new { name = "Acme Inc" } },
        });

        var account = (await Get<AccountQueries>().GetAsync(AppId, "acme"))!;
        var defaults = account.Metadata.Single(g => g.GroupType == GroupTypes.Default).Values.ToDictionary(v => v.Name, v => v.Text);
        Assert.Equal(("3", "2", "2"), (defaults[DefaultFields.NumberOfEvents], defaults[DefaultFields.DaysActive], defaults[DefaultFields.NumberOfVisitors]));
        Assert.Equal("Acme Inc", account.DisplayName);
        var sorted = await Get<AccountQueries>().SearchAsync(AppId, null, AccountSort.EventCount, true, 0, 10);
        Assert.Equal(("acme", 3L, "Acme Inc"), sorted.Items.Select(a => (a.AccountId, a.EventCount, a.DisplayName)).Single());
    }

    [Fact]
    public async Task VisitorsSortByTheirDefaultMetadata()
    {
        await SendAsync(new object[]
        {
            new { type = "track", userId = "busy", messageId = "m1", @event = "Clicked", timestamp = "2026-01-01T10:00:00Z" },
            new { type = "track", userId = "busy", messageId = "m2", @event = "Clicked", timestamp = "2026-01-02T10:00:00Z" },
            new { type = "track", userId = "quiet", messageId = "m3", @event = "Clicked", timestamp = "2026-01-03T10:00:00Z" },
        });
        var visitors = Get<VisitorQueries>();

        var byEvents = await visitors.SearchAsync(AppId, null, VisitorSearchMode.Id, 0, 10, sort: VisitorSort.EventCount, descending: true);
        var byLastVisit = await visitors.SearchAsync(AppId, null, VisitorSearchMode.Id, 0, 10, sort: VisitorSort.LastSeen, descending: true);

        Assert.Equal(["busy", "quiet"], byEvents.Items.Select(v => v.VisitorId));
        Assert.Equal(["quiet", "busy"], byLastVisit.Items.Select(v => v.VisitorId));
    }
}

/// <summary>The same suite on PostgreSQL.</summary>
public sealed class DefaultMetadataTestsOnPostgres : DefaultMetadataTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
