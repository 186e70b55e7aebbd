using System.Text;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Common;
using Portal.Core.Ingestion;
using Portal.Core.Metadata;
using Portal.Core.Visitors;

namespace Portal.Tests.Core.Ingestion;

/// <summary>Arrays, nulls and nameless fields: one rule each, the same on every path and page.</summary>
public sealed class OddValuesTests : IngestionTestBase
{
    private Task<IngestionResult> SendAgentAsync(string json) => Get<IngestionService>().IngestAgentAsync(Key, Encoding.UTF8.GetBytes(json));

    [Fact]
    public async Task AnArraySentByTheWebhookAndTheAgentIsOneListFieldWithAHintAndNoTypeConflict()
    {
        await SendAsync(new { type = "identify", userId = "u-1", traits = new { tags = new[] { 1, 2, 3 } } });
        await SendAgentAsync("""{"visitor":{"id":"u-1","tags":["a","b"]}}""");

        // Sent fields only: Portal's default fields are listed beside them.
        var row = Assert.Single((await Get<DataMappingsService>().QueryAsync(new DataMappingsQuery(AppId, FieldKind.Visitor))).Items,
            r => !r.GroupTypes.Contains(GroupTypes.Default));
        Assert.Equal(("tags", FieldType.List, false), (row.Name, row.InferredType, row.HasTypeConflict));
        Assert.Equal([GroupTypes.Segment, GroupTypes.Agent], row.GroupTypes);
        Assert.True(row.ListIsAgentOnlyAtPendo);
        var visitor = (await Get<VisitorQueries>().GetAsync(AppId, "u-1"))!;
        var webhookTags = visitor.Metadata.Single(g => g.GroupType == GroupTypes.Segment).Values.Single();
        Assert.Equal(("[1,2,3]", FieldType.List), (webhookTags.Text, webhookTags.Type));
    }

    [Fact]
    public async Task ANullTraitClearsTheValueSoNoPageShowsItAsText()
    {
        await SendAsync(new { type = "identify", userId = "u-1", timestamp = "2026-02-01T00:00:00Z", traits = new { plan = "pro", seats = 3 } });
        await SendAsync("""{"type":"identify","userId":"u-1","timestamp":"2026-02-02T00:00:00Z","traits":{"plan":null}}""");

        var visitor = (await Get<VisitorQueries>().GetAsync(AppId, "u-1"))!;
        var values = Assert.Single(visitor.Metadata, g => g.GroupType != GroupTypes.Default).Values;
        Assert.Equal(["seats"], values.Select(v => v.Name));
        Assert.DoesNotContain(values, v => v.Text == "null");
        // Data Mappings counts the one real value, not the clearing.
        var plan = (await Get<DataMappingsService>().QueryAsync(new DataMappingsQuery(AppId, FieldKind.Visitor))).Items.Single(r => r.Name == "plan");
        Assert.Equal((1L, FieldType.Text), (plan.Count, plan.InferredType));

        // An older value arriving late does not bring the cleared one back.
        await SendAsync(new { type = "identify", userId = "u-1", timestamp = "2026-02-01T12:00:00Z", traits = new { plan = "free" } });
        Assert.DoesNotContain((await Get<VisitorQueries>().GetAsync(AppId, "u-1"))!.Metadata.Single(g => g.GroupType == GroupTypes.Segment).Values, v => v.Name == "plan");
    }

    [Fact]
    public async Task AFieldWithAnEmptyNameIsDroppedCountedAndReportedOnTheLogEntryWhileTheMessageIsStored()
    {
        var result = await SendAsync("""{"type":"identify","userId":"u-1","traits":{"":"blank","address":{" ":1},"plan":"pro"}}""");

        Assert.Equal(IngestionStatus.Ok, result.Status);
        var outcome = Assert.Single(result.Outcomes);
        Assert.Equal(MessageOutcomeKind.Accepted, outcome.Outcome);
        Assert.StartsWith("2 fields with an empty name dropped", outcome.Reason);
        var fields = (await Get<DataMappingsService>().QueryAsync(new DataMappingsQuery(AppId, FieldKind.Visitor))).Items;
        Assert.Equal(["plan"], fields.Where(f => !f.GroupTypes.Contains(GroupTypes.Default)).Select(f => f.Name));
        Assert.Equal(["plan"], (await Get<VisitorQueries>().GetAsync(AppId, "u-1"))!.Metadata.Single(g => g.GroupType == GroupTypes.Segment).Values.Select(v => v.Name));
        await using var db = await DbAsync();
        Assert.Contains("2 fields with an empty name dropped", (await db.IngestionLog.SingleAsync()).OutcomesJson);
    }

    [Fact]
    public async Task TheAgentDropsAndReportsEmptyNamesToo()
    {
        var result = await SendAgentAsync("""{"visitor":{"id":"u-1","":"x","plan":"pro"}}""");

        Assert.StartsWith("1 field with an empty name dropped", Assert.Single(result.Outcomes).Reason);
    }
}
