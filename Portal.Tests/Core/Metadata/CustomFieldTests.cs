using System.Text;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Metadata;
using Portal.Core.Metadata.Custom;
using Portal.Core.Visitors;
using Portal.Tests.Core.Ingestion;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Core.Metadata;

/// <summary>Custom fields: definitions, values set one at a time or from a CSV upload, and how Data Mappings and pages show them.</summary>
public class CustomFieldTests : IngestionTestBase
{
    private CustomFieldService Custom => Get<CustomFieldService>();

    private async Task VisitorsAsync(params string[] ids)
    {
        foreach (var id in ids) await SendAsync(new { type = "identify", userId = id, messageId = $"m-{id}", traits = new { plan = "pro" } });
    }

    private static MemoryStream Csv(string text) => new(Encoding.UTF8.GetBytes(text));

    [Fact]
    public async Task ADefinedFieldIsListedOnDataMappingsAsCustomWithItsType()
    {
        Assert.True((await Custom.CreateAsync(AppId, FieldKind.Visitor, "tier", FieldType.Text)).Succeeded);
        Assert.True((await Custom.CreateAsync(AppId, FieldKind.Visitor, "seats", FieldType.Integer)).Succeeded);

        var page = await Get<DataMappingsService>().QueryAsync(new DataMappingsQuery(AppId, FieldKind.Visitor) { GroupType = GroupTypes.Custom });

        Assert.Equal([("seats", FieldType.Integer), ("tier", FieldType.Text)], page.Items.Select(r => (r.Name, r.EffectiveType)));
        Assert.All(page.Items, r => Assert.Equal([GroupTypes.Custom], r.GroupTypes));
        Assert.Contains("already exists", (await Custom.CreateAsync(AppId, FieldKind.Visitor, "Tier", FieldType.Text)).Error);
        Assert.Contains("letters, digits and underscores", (await Custom.CreateAsync(AppId, FieldKind.Visitor, "bad name", FieldType.Text)).Error);
        var overrideType = await Get<DataMappingsService>().UpdateAsync(new FieldKey(AppId, FieldKind.Visitor, "", "seats"), new FieldEdit(null, FieldType.Text, false));
        Assert.Contains("cannot be overridden", overrideType.Error);
    }

    [Fact]
    public async Task AValueOfTheWrongTypeIsRefusedWithAReasonAndAGoodOneShowsOnTheVisitorsPage()
    {
        await VisitorsAsync("u1");
        await Custom.CreateAsync(AppId, FieldKind.Visitor, "seats", FieldType.Integer);

        var wrong = await Custom.SetValueAsync(AppId, FieldKind.Visitor, "u1", "seats", "twelve");
        var right = await Custom.SetValueAsync(AppId, FieldKind.Visitor, "u1", "seats", " 12 ");

        Assert.Equal("seats: \"twelve\" is not a whole number.", wrong.Error);
        Assert.True(right.Succeeded, right.Error);
        var visitor = (await Get<VisitorQueries>().GetAsync(AppId, "u1"))!;
        var custom = visitor.Metadata.Single(g => g.GroupType == GroupTypes.Custom).Values.Single();
        Assert.Equal(("seats", "12", FieldType.Integer), (custom.Name, custom.Text, custom.Type));
        Assert.Contains("No visitor", (await Custom.SetValueAsync(AppId, FieldKind.Visitor, "ghost", "seats", "1")).Error);

        Assert.True((await Custom.SetValueAsync(AppId, FieldKind.Visitor, "u1", "seats", "")).Succeeded);
        Assert.DoesNotContain((await Get<VisitorQueries>().GetAsync(AppId, "u1"))!.Metadata, g => g.GroupType == GroupTypes.Custom);
    }

    [Fact]
    public async Task APreviewListsEachBadRowWithItsReasonAndWritesNothing()
    {
        await VisitorsAsync("u1", "u2", "u3");
        await Custom.CreateAsync(AppId, FieldKind.Visitor, "seats", FieldType.Integer);
        await Custom.CreateAsync(AppId, FieldKind.Visitor, "renews", FieldType.Date);

        var upload = await Custom.PreviewAsync(AppId, FieldKind.Visitor, Csv("""
            visitorId,seats,renews
            u1,12,2027-01-31
            u2,many,2027-01-31
            ghost,3,
            ,4,
            u3,,
            u1,5,
            """));

        Assert.Null(upload.FileError);
        Assert.Equal((6, 1, 5), (upload.TotalRows, upload.ValidRows, upload.ErrorCount));
        Assert.Equal(
            [(3, "u2", "seats: \"many\" is not a whole number."), (4, "ghost", "No visitor with this id."), (5, null, "The id is empty."),
             (6, "u3", "The row sets no value."), (7, "u1", "This id appears on an earlier row.")],
            upload.Errors.Select(e => (e.Line, e.Id, e.Reason)));
        await using var db = await DbAsync();
        Assert.False(await db.CustomValues.AnyAsync());
    }

    [Fact]
    public async Task AnUploadNamingAnUnknownFieldIsRefusedAsAWhole()
    {
        await Custom.CreateAsync(AppId, FieldKind.Visitor, "seats", FieldType.Integer);

        var upload = await Custom.PreviewAsync(AppId, FieldKind.Visitor, Csv("id,seats,plan\nu1,1,pro\n"));

        Assert.Contains("plan", upload.FileError);
        Assert.False(upload.CanImport);
        Assert.False((await Custom.ImportAsync(upload)).Succeeded);
    }

    [Fact]
    public async Task A100kRowUploadIsWrittenInChunksWithProgressAndIsOneAuditEntry()
    {
        const int rows = 100_000;
        await using (var db = await DbAsync())
        {
            var now = DateTimeOffset.UtcNow;
            foreach (var chunk in Enumerable.Range(0, rows).Chunk(10_000))
            {
                db.Visitors.AddRange(chunk.Select(i => new Visitor { ApplicationId = AppId, VisitorId = $"v{i}", FirstSeen = now, LastSeen = now }));
                await db.SaveChangesAsync();
                db.ChangeTracker.Clear();
            }
        }
        await Custom.CreateAsync(AppId, FieldKind.Visitor, "seats", FieldType.Integer);
        var csv = new StringBuilder("id,seats\n");
        for (var i = 0; i < rows; i++) csv.Append('v').Append(i).Append(',').Append(i % 50).Append('\n');
        var upload = await Custom.PreviewAsync(AppId, FieldKind.Visitor, Csv(csv.ToString()));
        Assert.Equal((rows, 0), (upload.ValidRows, upload.ErrorCount));
        var reported = new List<double>();

        var result = await Custom.ImportAsync(upload, new SynchronousProgress(reported));

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(rows, result.Value);
        Assert.Equal(rows / CustomFieldService.ImportChunkRows, reported.Count);
        Assert.Equal(1.0, reported[^1]);
        await using var check = await DbAsync();
        Assert.Equal(rows, await check.CustomValues.CountAsync());
        Assert.Single(await check.AuditEntries.Where(a => a.Action == AuditActions.CustomValuesImported).ToListAsync());
        Assert.Equal(rows, (await check.MetadataFields.SingleAsync(f => f.GroupType == GroupTypes.Custom)).Count);
    }

    [Fact]
    public async Task DeletingAFieldDeletesItsValuesAndItsDataMappingsEntry()
    {
        await VisitorsAsync("u1");
        await Custom.CreateAsync(AppId, FieldKind.Visitor, "tier", FieldType.Text);
        await Custom.SetValueAsync(AppId, FieldKind.Visitor, "u1", "tier", "gold");

        Assert.True((await Custom.DeleteAsync(AppId, FieldKind.Visitor, "tier")).Succeeded);

        await using var db = await DbAsync();
        Assert.False(await db.CustomValues.AnyAsync());
        Assert.False(await db.MetadataFields.AnyAsync(f => f.GroupType == GroupTypes.Custom));
        Assert.Empty(await Custom.ListAsync(AppId, FieldKind.Visitor));
    }

    /// <summary>Records each report on the reporting thread (Progress&lt;T&gt; would post them later).</summary>
    private sealed class SynchronousProgress(List<double> reported) : IProgress<double>
    {
        public void Report(double value) => reported.Add(value);
    }
}

/// <summary>The same suite on PostgreSQL.</summary>
public sealed class CustomFieldTestsOnPostgres : CustomFieldTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
