using Microsoft.EntityFrameworkCore;
using Portal.Core.Common;
using Portal.Core.Metadata;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Core.Ingestion;

public class FieldCapTests : IngestionTestBase
{
    [Fact]
    public async Task FieldsPastTheCapAreCountedNotCataloguedAndTheEventIsStillStored()
    {
        var traits = Enumerable.Range(0, 5).ToDictionary(i => $"f{i}", i => (object)i);
        await SendAsync(new { type = "identify", userId = "u-1", traits });
        var more = new Dictionary<string, object> { ["f0"] = 1, ["extra1"] = 1, ["extra2"] = 2 };
        await SendAsync(new { type = "identify", userId = "u-2", traits = more });

        await using var db = await DbAsync();
        Assert.Equal(3, await db.MetadataFields.CountAsync(f => f.Kind == FieldKind.Visitor));
        Assert.Equal(2, await db.Events.CountAsync());
        var overflow = await db.MetadataFieldOverflows.SingleAsync();
        Assert.Equal((FieldKind.Visitor, GroupTypes.Segment), (overflow.Kind, overflow.GroupType));
        Assert.Equal(4, overflow.DroppedCount);
        // The visitor keeps the value even though the catalogue does not list the field.
        Assert.Equal(1, Field((await db.Visitors.SingleAsync(v => v.VisitorId == "u-2")).MetadataJson, GroupTypes.Segment, "extra1").GetProperty("v").GetInt32());
    }

    protected override void Configure(Dictionary<string, string?> settings, Microsoft.Extensions.DependencyInjection.IServiceCollection services) =>
        settings["Ingestion:MaxFieldsPerKind"] = "3";
}

/// <summary>The same suite on PostgreSQL.</summary>
public sealed class FieldCapTestsOnPostgres : FieldCapTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
