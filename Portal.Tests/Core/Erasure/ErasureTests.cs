using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Erasure;
using Portal.Core.Metadata;
using Portal.Core.Metadata.Custom;
using Portal.Core.Visitors;
using Portal.Tests.Core.Ingestion;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Core.Erasure;

/// <summary>Erasure with the writer running: what goes, what stays, and what a later message does.</summary>
public class ErasureTests : IngestionTestBase
{
    private async Task SeedAsync()
    {
        await SendAsync(new object[]
        {
            new { type = "identify", userId = "u1", messageId = "m1", timestamp = "2026-01-01T10:00:00Z", traits = new { name = "Ann", plan = "pro", groupId = "acme" } },
            new { type = "track", userId = "u1", messageId = "m2", @event = "Clicked", timestamp = "2026-01-01T10:01:00Z", properties = new { a = 1 } },
            new { type = "track", userId = "u1", messageId = "m3", @event = "Clicked", timestamp = "2026-01-02T10:01:00Z", properties = new { a = 2 } },
            new { type = "identify", userId = "u2", messageId = "m4", timestamp = "2026-01-01T10:00:00Z", traits = new { name = "Bob", groupId = "acme" } },
            new { type = "track", userId = "u2", messageId = "m5", @event = "Clicked", timestamp = "2026-01-01T10:02:00Z", properties = new { a = 3 } },
            new { type = "group", userId = "u2", groupId = "acme", messageId = "m6", timestamp = "2026-01-01T10:03:00Z", traits = new { name = "Acme" } },
        });
        await using var db = await DbAsync();
        db.CustomValues.Add(new CustomValue { ApplicationId = AppId, Kind = FieldKind.Visitor, EntityId = "u1", FieldName = "tier", ValueJson = "\"gold\"" });
        db.CustomValues.Add(new CustomValue { ApplicationId = AppId, Kind = FieldKind.Visitor, EntityId = "u2", FieldName = "tier", ValueJson = "\"silver\"" });
        await db.SaveChangesAsync();
    }

    [Fact]
    public async Task DeletingAVisitorRemovesItsRowEventsMembershipsAndCustomValuesAndNothingOfOthers()
    {
        await SeedAsync();
        // Several event ranges, so the chunked delete is exercised across its boundaries.
        Get<EntityEraser>().EventRangeSize = 2;

        var result = await Get<ErasureService>().DeleteVisitorAsync(AppId, "u1");

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(new ErasureCounts(1, 3), result.Value);
        await using var db = await DbAsync();
        Assert.Equal(["u2"], await db.Visitors.Select(v => v.VisitorId).ToListAsync());
        Assert.Equal(["m4", "m5", "m6"], await db.Events.OrderBy(e => e.MessageId).Select(e => e.MessageId).ToListAsync());
        Assert.Equal(["u2"], await db.VisitorAccounts.Select(l => l.VisitorId).ToListAsync());
        Assert.Equal(["u2"], await db.CustomValues.Select(c => c.EntityId).ToListAsync());
        Assert.False(await db.VisitorTrackEvents.AnyAsync(t => t.VisitorId == "u1"));
        var entry = await db.AuditEntries.SingleAsync(a => a.Action == AuditActions.VisitorErased);
        Assert.Contains("u1", entry.Target);
    }

    [Fact]
    public async Task ALaterMessageForAnErasedVisitorCreatesItAfresh()
    {
        await SeedAsync();
        Assert.True((await Get<ErasureService>().DeleteVisitorAsync(AppId, "u1")).Succeeded);

        await SendAsync(new { type = "track", userId = "u1", messageId = "m7", @event = "Clicked", timestamp = "2026-01-03T10:00:00Z", properties = new { a = 4 } });

        var visitor = await Get<VisitorQueries>().GetAsync(AppId, "u1");
        Assert.NotNull(visitor);
        Assert.DoesNotContain(visitor.Metadata, g => g.GroupType == GroupTypes.Segment);
        var defaults = visitor.Metadata.Single(g => g.GroupType == GroupTypes.Default).Values.ToDictionary(v => v.Name, v => v.Text);
        Assert.Equal("1", defaults[DefaultFields.NumberOfEvents]);
        Assert.Equal("1", defaults[DefaultFields.DaysActive]);
        Assert.Equal([new DateTimeOffset(2026, 1, 3, 10, 0, 0, TimeSpan.Zero)], visitor.RecentEvents.Select(e => e.Timestamp));
    }

    [Fact]
    public async Task AMessageArrivingAfterItsIdsStepButBeforeTheErasureEndsIsALaterMessageAndStays()
    {
        await SeedAsync();
        var eraser = Get<EntityEraser>();
        // One id per step: u1's rows go in the first step, u2's in the second, and the message arrives between the two.
        eraser.EntitySliceSize = 1;
        var between = new SendOnFirstErasedEntity(() => SendAsync(new { type = "track", userId = "u1", messageId = "m7", @event = "Clicked",
            timestamp = "2026-01-03T10:00:00Z", properties = new { a = 4 } }));

        var counts = await eraser.EraseAsync(AppId, FieldKind.Visitor, ["u1", "u2"], between);

        Assert.True(between.Sent);
        Assert.Equal(new ErasureCounts(2, 6), counts);
        await using var db = await DbAsync();
        // m7 came after u1's step: it recreated u1 and stays, although u2's events stored after it were still being erased.
        Assert.Equal(["u1"], await db.Visitors.Select(v => v.VisitorId).ToListAsync());
        Assert.Equal(["m7"], await db.Events.Select(e => e.MessageId).ToListAsync());
        var visitor = await Get<VisitorQueries>().GetAsync(AppId, "u1");
        Assert.Equal([new DateTimeOffset(2026, 1, 3, 10, 0, 0, TimeSpan.Zero)], visitor!.RecentEvents.Select(e => e.Timestamp));
    }

    /// <summary>Sends one message the first time an erasure reports a deleted visitor or account, and waits for its 200.</summary>
    private sealed class SendOnFirstErasedEntity(Func<Task> send) : IProgress<ErasureCounts>
    {
        public bool Sent { get; private set; }

        public void Report(ErasureCounts value)
        {
            if (Sent || value.Entities == 0) return;
            Sent = true;
            // The erasure waits here, between two of its steps, while the writer stores the message.
            Task.Run(send).GetAwaiter().GetResult();
        }
    }

    [Fact]
    public async Task DeletingAnAccountRemovesItsMembershipsAndTheEventsNamingItButKeepsItsVisitors()
    {
        await SeedAsync();

        var result = await Get<ErasureService>().DeleteAccountAsync(AppId, "acme");

        Assert.True(result.Succeeded, result.Error);
        await using var db = await DbAsync();
        Assert.False(await db.Accounts.AnyAsync());
        Assert.False(await db.VisitorAccounts.AnyAsync());
        Assert.Equal(2, await db.Visitors.CountAsync());
        // The identifies carrying groupId and the group call named the account; the track events did not.
        Assert.Equal(["m2", "m3", "m5"], await db.Events.OrderBy(e => e.MessageId).Select(e => e.MessageId).ToListAsync());
    }

    [Fact]
    public async Task ErasingFromAListDeletesTheIdsThatExistAndIsOneAuditEntry()
    {
        await SeedAsync();

        var result = await Get<ErasureService>().DeleteManyAsync(AppId, FieldKind.Visitor, ["u1", "u2", "nobody", " ", "u1"]);

        Assert.True(result.Succeeded, result.Error);
        // u2's group call names u2 too: it goes with the visitor.
        Assert.Equal(new ErasureCounts(2, 6), result.Value);
        await using var db = await DbAsync();
        Assert.False(await db.Visitors.AnyAsync());
        Assert.False(await db.Events.AnyAsync());
        Assert.Equal(["acme"], await db.Accounts.Select(a => a.AccountId).ToListAsync());
        Assert.Single(await db.AuditEntries.Where(a => a.Action == AuditActions.VisitorErased).ToListAsync());
    }

    [Fact]
    public async Task TheIngestionLogForgetsTheRawBodiesThatNamedAnErasedVisitor()
    {
        await SendAsync(new { type = "identify", userId = "u\u00e9-1", messageId = "m1", timestamp = "2026-01-01T10:00:00Z", traits = new { plan = "pro" } });
        await SendAsync(new { type = "identify", userId = "u2", messageId = "m2", timestamp = "2026-01-01T10:00:00Z", traits = new { plan = "pro" } });
        await using (var db = await DbAsync())
        {
            // Stored as sent: System.Text.Json escapes the é, so the id only matches once unescaped.
            Assert.Equal(2, await db.IngestionLog.CountAsync(l => l.RawBody != null));
        }

        Assert.True((await Get<ErasureService>().DeleteVisitorAsync(AppId, "u\u00e9-1")).Succeeded);

        await using var after = await DbAsync();
        var bodies = await after.IngestionLog.Select(l => l.RawBody).ToListAsync();
        Assert.Equal(2, bodies.Count);
        Assert.Single(bodies, b => b is not null);
        Assert.Contains("\"u2\"", bodies.Single(b => b is not null));
    }

    [Fact]
    public async Task AVisitorThatDoesNotExistIsRefusedWithAReason()
    {
        var result = await Get<ErasureService>().DeleteVisitorAsync(AppId, "ghost");

        Assert.False(result.Succeeded);
        Assert.Contains("No visitor", result.Error);
    }

    [Fact]
    public async Task ADeletedFieldLeavesDataMappingsUntilItIsSentAgain()
    {
        await SeedAsync();
        var mappings = Get<DataMappingsService>();
        var plan = new FieldKey(AppId, FieldKind.Visitor, "", "plan");

        Assert.True((await mappings.DeleteAsync(plan)).Succeeded);
        Assert.Null(await mappings.GetDetailsAsync(plan));

        await SendAsync(new { type = "identify", userId = "u3", messageId = "m8", timestamp = "2026-01-04T10:00:00Z", traits = new { plan = "free" } });
        var back = await mappings.GetDetailsAsync(plan);
        Assert.NotNull(back);
        Assert.Equal(["free"], back.PerGroupType.Single().Samples);
        await using var db = await DbAsync();
        Assert.Single(await db.AuditEntries.Where(a => a.Action == AuditActions.MappingDeleted).ToListAsync());
    }

    [Fact]
    public async Task DefaultFieldsAreListedAsDefaultAndRefuseOverridesAndDeletion()
    {
        var mappings = Get<DataMappingsService>();
        Assert.Empty((await mappings.QueryAsync(new DataMappingsQuery(AppId, FieldKind.Account) { GroupType = GroupTypes.Default })).Items);
        await SeedAsync();
        var page = await mappings.QueryAsync(new DataMappingsQuery(AppId, FieldKind.Account) { GroupType = GroupTypes.Default });
        Assert.Equal([DefaultFields.DaysActive, DefaultFields.FirstVisit, DefaultFields.LastVisit, DefaultFields.NumberOfEvents, DefaultFields.NumberOfVisitors],
            page.Items.Select(r => r.Name));
        Assert.All(page.Items, r => Assert.Equal([GroupTypes.Default], r.GroupTypes));

        var key = new FieldKey(AppId, FieldKind.Account, "", DefaultFields.NumberOfEvents);
        var edit = await mappings.UpdateAsync(key, new FieldEdit("Events", FieldType.Text, true));
        var delete = await mappings.DeleteAsync(key);

        Assert.Contains("computed by Portal", edit.Error);
        Assert.Contains("computed by Portal", delete.Error);
        Assert.Equal(FieldType.Integer, (await mappings.GetDetailsAsync(key))!.Row.EffectiveType);
    }
}

/// <summary>The same suite on PostgreSQL.</summary>
public sealed class ErasureTestsOnPostgres : ErasureTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
