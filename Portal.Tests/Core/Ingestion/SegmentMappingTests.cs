using Microsoft.EntityFrameworkCore;
using Portal.Core.Common;
using Portal.Core.Ingestion;
using Portal.Core.Metadata;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Core.Ingestion;

public class SegmentMappingTests : IngestionTestBase
{
    [Fact]
    public async Task IdentifyMakesTheUserIdTheVisitorAndItsTraitsVisitorMetadata()
    {
        var result = await SendAsync(new { type = "identify", userId = "u-1", anonymousId = "anon-1", timestamp = "2026-01-01T10:00:00Z",
            traits = new { email = "a@b.c", plan = "pro" } });

        Assert.Equal(IngestionStatus.Ok, result.Status);
        await using var db = await DbAsync();
        var visitor = await db.Visitors.SingleAsync();
        Assert.Equal("u-1", visitor.VisitorId);
        Assert.Equal(AppId, visitor.ApplicationId);
        Assert.Equal("a@b.c", Field(visitor.MetadataJson, GroupTypes.Segment, "email").GetProperty("v").GetString());
        Assert.Equal("2026-01-01T10:00:00.000Z", Field(visitor.MetadataJson, GroupTypes.Segment, "plan").GetProperty("t").GetString());
        var evt = await db.Events.SingleAsync();
        Assert.Equal(("identify", "u-1", GroupTypes.Segment), (evt.Type, evt.VisitorId, evt.GroupType));
        Assert.Contains("\"plan\"", evt.PayloadJson);
    }

    [Fact]
    public async Task IdentifyWithoutUserIdUsesTheAnonymousId()
    {
        await SendAsync(new { type = "identify", anonymousId = "anon-7", traits = new { a = 1 } });
        await using var db = await DbAsync();
        Assert.Equal("anon-7", (await db.Visitors.SingleAsync()).VisitorId);
    }

    [Fact]
    public async Task IdentifyWithGroupIdLinksAnAccountThatHasNoMetadataYet()
    {
        await SendAsync(new { type = "identify", userId = "u-1", traits = new { groupId = "acme", name = "Ann" } });
        await using var db = await DbAsync();
        var account = await db.Accounts.SingleAsync();
        Assert.Equal("acme", account.AccountId);
        Assert.False(account.HasMetadata);
        var link = await db.VisitorAccounts.SingleAsync();
        Assert.Equal(("u-1", "acme"), (link.VisitorId, link.AccountId));
        // groupId is the link, not a visitor field.
        Assert.False(await db.MetadataFields.AnyAsync(f => f.Name == "groupId"));
    }

    [Fact]
    public async Task IdentifyWithoutGroupIdCreatesNoAccount()
    {
        await SendAsync(new { type = "identify", userId = "u-1", traits = new { name = "Ann" } });
        await using var db = await DbAsync();
        Assert.Empty(await db.Accounts.ToListAsync());
        Assert.Empty(await db.VisitorAccounts.ToListAsync());
    }

    [Fact]
    public async Task GroupMakesTheGroupIdTheAccountWithTraitsAsMetadataAndTheUserAMember()
    {
        await SendAsync(new { type = "identify", userId = "u-1", traits = new { groupId = "acme" } });
        await SendAsync(new { type = "group", userId = "u-2", groupId = "acme", traits = new { industry = "retail", seats = 40 } });

        await using var db = await DbAsync();
        var account = await db.Accounts.SingleAsync();
        Assert.True(account.HasMetadata);
        Assert.Equal("retail", Field(account.MetadataJson, GroupTypes.Segment, "industry").GetProperty("v").GetString());
        Assert.Equal(40, Field(account.MetadataJson, GroupTypes.Segment, "seats").GetProperty("v").GetInt32());
        var members = await db.VisitorAccounts.Where(l => l.AccountId == "acme").Select(l => l.VisitorId).OrderBy(v => v).ToListAsync();
        Assert.Equal(["u-1", "u-2"], members);
        Assert.Equal(FieldKind.Account, (await db.MetadataFields.SingleAsync(f => f.Name == "industry")).Kind);
    }

    [Fact]
    public async Task TrackStoresATrackEventWithItsAccountFromPropertiesGroupId()
    {
        await SendAsync(new { type = "track", userId = "u-1", @event = "Order Completed", timestamp = "2026-03-01T08:00:00Z",
            properties = new { groupId = "acme", total = 12.5 } });

        await using var db = await DbAsync();
        var evt = await db.Events.SingleAsync();
        Assert.Equal(("track", "Order Completed", "u-1", "acme"), (evt.Type, evt.Name, evt.VisitorId, evt.AccountId));
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero), evt.Timestamp);
        Assert.Contains("12.5", evt.PayloadJson);
    }

    [Fact]
    public async Task TrackTakesTheAccountFromContextGroupIdWhenPropertiesHaveNone()
    {
        await SendAsync(new { type = "track", userId = "u-1", @event = "Viewed", context = new { groupId = "globex" } });
        await using var db = await DbAsync();
        Assert.Equal("globex", (await db.Events.SingleAsync()).AccountId);
    }

    [Fact]
    public async Task TrackPropertiesAreCataloguedAsPropertiesOfTheirEvent()
    {
        await SendAsync(new { type = "track", userId = "u-1", @event = "Signed Up", properties = new { plan = "pro", address = new { city = "Oslo" } } });
        await SendAsync(new { type = "track", userId = "u-2", @event = "Signed Up", properties = new { plan = "free" } });

        await using var db = await DbAsync();
        var fields = await db.MetadataFields.Where(f => f.Kind == FieldKind.TrackProperty).OrderBy(f => f.Name).ToListAsync();
        Assert.Equal(["address.city", "plan"], fields.Select(f => f.Name));
        Assert.All(fields, f => Assert.Equal(("Signed Up", GroupTypes.Segment), (f.EventName, f.GroupType)));
        var plan = fields[1];
        Assert.Equal(2, plan.Count);
        Assert.Equal("[\"free\",\"pro\"]", plan.SamplesJson);
    }

    [Fact]
    public async Task LaterValuesWinPerFieldByEventTimestampNotArrival()
    {
        await SendAsync(new { type = "identify", userId = "u-1", timestamp = "2026-02-02T00:00:00Z", traits = new { plan = "pro" } });
        await SendAsync(new { type = "identify", userId = "u-1", timestamp = "2026-02-01T00:00:00Z", traits = new { plan = "free", seats = 3 } });

        await using var db = await DbAsync();
        var meta = (await db.Visitors.SingleAsync()).MetadataJson;
        Assert.Equal("pro", Field(meta, GroupTypes.Segment, "plan").GetProperty("v").GetString());
        Assert.Equal(3, Field(meta, GroupTypes.Segment, "seats").GetProperty("v").GetInt32());
    }

    [Fact]
    public async Task NestedObjectsFlattenWithDots()
    {
        await SendAsync(new { type = "identify", userId = "u-1", traits = new { address = new { city = "Oslo", geo = new { lat = 59.9 } } } });
        await using var db = await DbAsync();
        var meta = (await db.Visitors.SingleAsync()).MetadataJson;
        Assert.Equal("Oslo", Field(meta, GroupTypes.Segment, "address.city").GetProperty("v").GetString());
        Assert.Equal(59.9, Field(meta, GroupTypes.Segment, "address.geo.lat").GetProperty("v").GetDouble());
    }

    [Fact]
    public async Task ValuesAreTypedAsPendosTypesAndWebhookArraysAreLists()
    {
        await SendAsync(new { type = "identify", userId = "u-1", traits = new
        {
            name = "Ann", active = true, logins = 12, score = 4.5, createdAt = "2024-05-01T10:00:00Z", tags = new[] { "a", "b" },
        } });

        await using var db = await DbAsync();
        var types = await db.MetadataFields.ToDictionaryAsync(f => f.Name, f => f.InferredType);
        Assert.Equal(FieldType.Text, types["name"]);
        Assert.Equal(FieldType.Boolean, types["active"]);
        Assert.Equal(FieldType.Integer, types["logins"]);
        Assert.Equal(FieldType.Float, types["score"]);
        Assert.Equal(FieldType.Date, types["createdAt"]);
        Assert.Equal(FieldType.List, types["tags"]);
        var tags = Field((await db.Visitors.SingleAsync()).MetadataJson, GroupTypes.Segment, "tags").GetProperty("v");
        Assert.Equal("[\"a\",\"b\"]", tags.GetRawText());
    }

    [Fact]
    public async Task AFieldSeenWithSeveralTypesIsFlaggedAsAConflict()
    {
        await SendAsync(new { type = "identify", userId = "u-1", traits = new { plan = "pro" } });
        await SendAsync(new { type = "identify", userId = "u-2", traits = new { plan = 3 } });

        await using var db = await DbAsync();
        var field = await db.MetadataFields.SingleAsync(f => f.Name == "plan");
        Assert.True(field.HasTypeConflict);
        Assert.Equal(FieldTypeInference.Bit(FieldType.Text) | FieldTypeInference.Bit(FieldType.Integer), field.TypesSeen);
    }

    [Theory]
    [InlineData("screen")]
    [InlineData("page")]
    [InlineData("alias")]
    public async Task UnsupportedCallsAreSkippedWithAReasonAndNotStored(string type)
    {
        var result = await SendAsync(new { type, userId = "u-1", name = "Home" });

        Assert.Equal(IngestionStatus.Ok, result.Status);
        var outcome = Assert.Single(result.Outcomes);
        Assert.Equal(MessageOutcomeKind.Skipped, outcome.Outcome);
        Assert.Equal($"{type} is not supported by Pendo's webhook", outcome.Reason);
        await using var db = await DbAsync();
        Assert.Empty(await db.Events.ToListAsync());
        var log = await db.IngestionLog.SingleAsync();
        Assert.Equal((1, 0, 200), (log.Skipped, log.Accepted, log.StatusCode));
        Assert.Contains("not supported by Pendo", log.OutcomesJson);
    }

    [Fact]
    public async Task LongStringValuesAreTruncatedAndFlagged()
    {
        await SendAsync(new { type = "identify", userId = "u-1", traits = new { bio = new string('x', 5000) } });
        await using var db = await DbAsync();
        var field = await db.MetadataFields.SingleAsync(f => f.Name == "bio");
        Assert.True(field.ValuesTruncated);
        var value = Field((await db.Visitors.SingleAsync()).MetadataJson, GroupTypes.Segment, "bio").GetProperty("v").GetString();
        Assert.Equal(1024, value!.Length);
    }

    [Fact]
    public async Task InvalidMessagesAreListedWhileValidOnesInTheSameRequestAreStored()
    {
        var result = await SendAsync("""
            [{"type":"track","userId":"u-1","event":"Ok","messageId":"m1"},
             {"type":"track","userId":"u-1"},
             {"type":"identify"},
             {"type":"group","userId":"u-1"},
             42]
            """);

        Assert.Equal(IngestionStatus.Invalid, result.Status);
        Assert.Equal([1, 2, 3, 4], result.InvalidOutcomes.Select(o => o.Index));
        Assert.Equal("track needs an event name", result.Outcomes[1].Reason);
        Assert.Equal("identify needs a userId or anonymousId", result.Outcomes[2].Reason);
        Assert.Equal("group needs a groupId", result.Outcomes[3].Reason);
        await using var db = await DbAsync();
        Assert.Equal("m1", (await db.Events.SingleAsync()).MessageId);
        var log = await db.IngestionLog.SingleAsync();
        Assert.Equal((400, 1, 4), (log.StatusCode, log.Accepted, log.Invalid));
        Assert.NotNull(log.RawBody);
        Assert.StartsWith("message 1:", log.FirstError);
    }

    [Fact]
    public async Task AResentMessageIsStoredOnceAndReportedAsDuplicate()
    {
        var message = new { type = "track", userId = "u-1", @event = "E", messageId = "same" };
        await SendAsync(message);
        var again = await SendAsync(message);

        Assert.Equal(IngestionStatus.Ok, again.Status);
        Assert.Equal(MessageOutcomeKind.Duplicate, Assert.Single(again.Outcomes).Outcome);
        await using var db = await DbAsync();
        Assert.Single(await db.Events.ToListAsync());
    }

    [Fact]
    public async Task AMessageWithoutMessageIdGetsADeterministicOneSoItsRetryIsADuplicate()
    {
        const string body = """{"type":"track","userId":"u-1","event":"E","properties":{"a":1,"b":2},"sentAt":"2026-01-01T00:00:00Z"}""";
        const string retry = """{ "properties": {"b":2, "a":1}, "event":"E", "userId":"u-1", "type":"track", "sentAt":"2026-01-01T00:00:09Z" }""";
        var first = await SendAsync(body);
        var second = await SendAsync(retry);

        Assert.StartsWith("auto-", first.Outcomes[0].MessageId);
        Assert.Equal(first.Outcomes[0].MessageId, second.Outcomes[0].MessageId);
        Assert.Equal(MessageOutcomeKind.Duplicate, second.Outcomes[0].Outcome);
    }
}

/// <summary>The same suite on PostgreSQL.</summary>
public sealed class SegmentMappingTestsOnPostgres : SegmentMappingTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
