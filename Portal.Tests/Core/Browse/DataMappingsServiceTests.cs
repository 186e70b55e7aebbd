using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Metadata;
using Portal.Core.Users;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Core.Browse;

public class DataMappingsServiceTests : CoreTestBase
{
    private BrowseData Data => new(Get<IDbContextFactory<PortalDbContext>>());
    private DataMappingsService Mappings => Get<DataMappingsService>();

    [Fact]
    public async Task AFieldFedByBothGroupTypesIsOneRowShowingBoth()
    {
        var app = await Data.AppAsync();
        await Data.FieldAsync(app, FieldKind.Visitor, GroupTypes.Segment, "email", count: 3, samples: ["a@x.io"]);
        await Data.FieldAsync(app, FieldKind.Visitor, GroupTypes.Agent, "email", count: 2, samples: ["b@x.io"]);
        await Data.FieldAsync(app, FieldKind.Visitor, GroupTypes.Agent, "tags", type: FieldType.List);

        var page = await Mappings.QueryAsync(new DataMappingsQuery(app, FieldKind.Visitor));

        Assert.Equal(2, page.TotalCount);
        var email = page.Items.Single(r => r.Name == "email");
        Assert.Equal([GroupTypes.Segment, GroupTypes.Agent], email.GroupTypes);
        Assert.Equal(5, email.Count);
        Assert.Contains("a@x.io", email.Samples);
        Assert.Contains("b@x.io", email.Samples);
        Assert.Equal("segment.io", GroupTypes.DisplayName(email.GroupTypes[0]));
    }

    [Fact]
    public async Task TheDefaultDisplayNameIsTheHumanizedFieldName()
    {
        var app = await Data.AppAsync();
        await Data.FieldAsync(app, FieldKind.Visitor, GroupTypes.Segment, "first_name");

        var row = (await Mappings.QueryAsync(new DataMappingsQuery(app, FieldKind.Visitor))).Items.Single();

        Assert.Equal("First name", row.DisplayName);
        Assert.Null(row.CustomDisplayName);
    }

    [Fact]
    public async Task FlagFiltersFindConflictsNamingBreachesAndTruncationInTheDatabase()
    {
        var app = await Data.AppAsync();
        await Data.FieldAsync(app, FieldKind.TrackProperty, GroupTypes.Segment, "ok_name", "Signed Up");
        await Data.FieldAsync(app, FieldKind.TrackProperty, GroupTypes.Segment, "address.city", "Signed Up");
        await Data.FieldAsync(app, FieldKind.TrackProperty, GroupTypes.Segment, "1st", "Signed Up");
        await Data.FieldAsync(app, FieldKind.TrackProperty, GroupTypes.Segment, new string('a', 33), "Signed Up");
        await Data.FieldAsync(app, FieldKind.TrackProperty, GroupTypes.Segment, "mixed", "Signed Up", typesSeen: 0b101);
        await Data.FieldAsync(app, FieldKind.TrackProperty, GroupTypes.Segment, "long_value", "Signed Up", truncated: true);

        async Task<string[]> Names(FieldFlags flags) =>
            (await Mappings.QueryAsync(new DataMappingsQuery(app, FieldKind.TrackProperty) { AnyFlags = flags })).Items.Select(r => r.Name).Order().ToArray();

        Assert.Equal(["1st", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "address.city"], await Names(FieldFlags.BreaksNamingRules));
        Assert.Equal(["mixed"], await Names(FieldFlags.TypeConflict));
        Assert.Equal(["long_value"], await Names(FieldFlags.ValuesTruncated));
        Assert.True((await Mappings.QueryAsync(new DataMappingsQuery(app, FieldKind.TrackProperty))).Items.Single(r => r.Name == "mixed").HasTypeConflict);
    }

    [Fact]
    public async Task HiddenFieldsAreLeftOutUntilShowHiddenIsOn()
    {
        var app = await Data.AppAsync();
        await Data.FieldAsync(app, FieldKind.Account, GroupTypes.Segment, "visible");
        await Data.FieldAsync(app, FieldKind.Account, GroupTypes.Segment, "secret", hidden: true);

        Assert.Equal(["visible"], (await Mappings.QueryAsync(new DataMappingsQuery(app, FieldKind.Account))).Items.Select(r => r.Name));
        Assert.Equal(2, (await Mappings.QueryAsync(new DataMappingsQuery(app, FieldKind.Account) { ShowHidden = true })).TotalCount);
    }

    [Fact]
    public async Task SearchIsCaseInsensitiveAndTreatsUnderscoreAsALetter()
    {
        var app = await Data.AppAsync();
        await Data.FieldAsync(app, FieldKind.Visitor, GroupTypes.Segment, "First_Name");
        await Data.FieldAsync(app, FieldKind.Visitor, GroupTypes.Segment, "firstXname");

        var page = await Mappings.QueryAsync(new DataMappingsQuery(app, FieldKind.Visitor) { Search = "first_name" });

        Assert.Equal(["First_Name"], page.Items.Select(r => r.Name));
    }

    [Fact]
    public async Task PagesAreSortedAndSlicedInTheDatabase()
    {
        var app = await Data.AppAsync();
        for (var i = 0; i < 30; i++) await Data.FieldAsync(app, FieldKind.Visitor, GroupTypes.Segment, $"f{i:D2}", count: i);

        var page = await Mappings.QueryAsync(new DataMappingsQuery(app, FieldKind.Visitor) { SortBy = DataMappingSort.Count, Descending = true, Page = 1, PageSize = 10 });

        Assert.Equal(30, page.TotalCount);
        Assert.Equal(Enumerable.Range(10, 10).Select(i => $"f{29 - i:D2}"), page.Items.Select(r => r.Name));
    }

    [Fact]
    public async Task AnAdminsDisplayNameTypeOverrideAndHiddenPersistAndAreAudited()
    {
        var app = await Data.AppAsync();
        await Data.FieldAsync(app, FieldKind.Visitor, GroupTypes.Segment, "plan");
        await Data.FieldAsync(app, FieldKind.Visitor, GroupTypes.Agent, "plan");
        var key = new FieldKey(app, FieldKind.Visitor, "", "plan");

        var result = await Mappings.UpdateAsync(key, new FieldEdit("Pricing plan", FieldType.Integer, true));

        Assert.True(result.Succeeded, result.Error);
        var row = (await Mappings.GetDetailsAsync(key))!.Row;
        Assert.Equal("Pricing plan", row.DisplayName);
        Assert.Equal(FieldType.Integer, row.EffectiveType);
        Assert.True(row.Hidden);
        await using var db = await Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        Assert.All(await db.MetadataFields.ToListAsync(), f => Assert.Equal(FieldType.Integer, f.TypeOverride));
        var audit = await db.AuditEntries.SingleAsync();
        Assert.Equal(AuditActions.MappingChanged, audit.Action);
        Assert.Equal("admin@portal.test", audit.User);
        Assert.Contains("Pricing plan", audit.Details);
        // Named for people: the application's and the field's names, not the application id.
        Assert.Equal("Shop · Visitor field plan", audit.Target);
    }

    [Fact]
    public async Task AViewerCannotChangeAMappingAndNothingIsStored()
    {
        var app = await Data.AppAsync();
        await Data.FieldAsync(app, FieldKind.Visitor, GroupTypes.Segment, "plan");
        var key = new FieldKey(app, FieldKind.Visitor, "", "plan");

        var result = await GetAs<DataMappingsService>(CoreHost.Viewer()).UpdateAsync(key, new FieldEdit("Hacked", FieldType.Boolean, true));

        Assert.False(result.Succeeded);
        var row = (await Mappings.GetDetailsAsync(key))!.Row;
        Assert.Equal("Plan", row.DisplayName);
        Assert.Null(row.TypeOverride);
        Assert.False(row.Hidden);
        await using var db = await Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        Assert.Empty(await db.AuditEntries.ToListAsync());
    }

    [Fact]
    public async Task TheListTypeSuitsEveryFieldAndAWebhookListCarriesPendosAgentOnlyHint()
    {
        var app = await Data.AppAsync();
        await Data.FieldAsync(app, FieldKind.Visitor, GroupTypes.Segment, "tags");
        await Data.FieldAsync(app, FieldKind.Visitor, GroupTypes.Agent, "roles");

        Assert.True((await Mappings.UpdateAsync(new FieldKey(app, FieldKind.Visitor, "", "tags"), new FieldEdit(null, FieldType.List, false))).Succeeded);
        Assert.True((await Mappings.UpdateAsync(new FieldKey(app, FieldKind.Visitor, "", "roles"), new FieldEdit(null, FieldType.List, false))).Succeeded);

        var rows = (await Mappings.QueryAsync(new DataMappingsQuery(app, FieldKind.Visitor))).Items.ToDictionary(r => r.Name);
        Assert.True(rows["tags"].ListIsAgentOnlyAtPendo);
        Assert.False(rows["roles"].ListIsAgentOnlyAtPendo);
    }

    [Fact]
    public async Task TheCsvExportHoldsTheWholeFilteredViewWithFormulasDefused()
    {
        var app = await Data.AppAsync();
        await Data.FieldAsync(app, FieldKind.Visitor, GroupTypes.Segment, "first_name", samples: ["Ada", "Grace"]);
        await Data.FieldAsync(app, FieldKind.Visitor, GroupTypes.Segment, "=HYPERLINK(\"http://evil\")");
        await Data.FieldAsync(app, FieldKind.Visitor, GroupTypes.Segment, "hidden_one", hidden: true);

        var csv = await Mappings.ExportCsvAsync(new DataMappingsQuery(app, FieldKind.Visitor) { PageSize = 1 });
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(3, lines.Length);
        Assert.StartsWith("Field,Display name,Type,", lines[0]);
        Assert.Contains("'=HYPERLINK", csv);
        Assert.Contains(lines, l => l.StartsWith("first_name,First name,text,text,no,segment.io,Ada | Grace,1,"));
        Assert.DoesNotContain("hidden_one", csv);
    }

    [Fact]
    public async Task DroppedFieldsAreReportedPerGroupType()
    {
        var app = await Data.AppAsync();
        await Data.OverflowAsync(app, FieldKind.Visitor, GroupTypes.Segment, 42);

        var overflow = Assert.Single(await Mappings.GetOverflowAsync(app, FieldKind.Visitor));
        Assert.Equal(42, overflow.DroppedCount);
        Assert.Empty(await Mappings.GetOverflowAsync(app, FieldKind.Account));
    }

    [Theory]
    [InlineData("first_name", FieldKind.Visitor, false)]
    [InlineData("_private", FieldKind.Visitor, false)]
    [InlineData("address.city", FieldKind.Visitor, true)]
    [InlineData("9lives", FieldKind.Account, true)]
    [InlineData("a_property_name_of_exactly_32_ch", FieldKind.TrackProperty, false)]
    [InlineData("a_property_name_of_exactly_33_chr", FieldKind.TrackProperty, true)]
    [InlineData("a_property_name_of_exactly_33_chr", FieldKind.Visitor, false)]
    public void PendoNamingRulesAreLettersDigitsUnderscoresAndAShortTrackName(string name, FieldKind kind, bool breaks) =>
        Assert.Equal(breaks, FieldNaming.BreaksPendoRules(name, kind));

    [Theory]
    [InlineData("nps_score", "NPS score")]
    [InlineData("user_id", "User ID")]
    [InlineData("landingUrl", "Landing URL")]
    [InlineData("first_name", "First name")]
    [InlineData("id", "ID")]
    [InlineData("address.postal_code", "Address postal code")]
    public void DefaultDisplayNamesKeepAcronyms(string name, string expected) => Assert.Equal(expected, FieldNaming.DefaultDisplayName(name));

    [Fact]
    public async Task FieldsWhoseDefaultDisplayNamesCoincideEachShowTheirFieldName()
    {
        var app = await Data.AppAsync();
        await Data.FieldAsync(app, FieldKind.Visitor, GroupTypes.Segment, "created_at");
        await Data.FieldAsync(app, FieldKind.Visitor, GroupTypes.Agent, "createdAt");
        await Data.FieldAsync(app, FieldKind.Visitor, GroupTypes.Segment, "plan");

        var rows = (await Mappings.QueryAsync(new DataMappingsQuery(app, FieldKind.Visitor))).Items.ToDictionary(r => r.Name, r => r.DisplayName);
        Assert.Equal("Created at (created_at)", rows["created_at"]);
        Assert.Equal("Created at (createdAt)", rows["createdAt"]);
        Assert.Equal("Plan", rows["plan"]);
        var export = await Mappings.QueryAllAsync(new DataMappingsQuery(app, FieldKind.Visitor));
        Assert.Equal(3, export.Select(r => r.DisplayName).Distinct().Count());
        Assert.Equal("Created at (createdAt)", (await Mappings.GetDetailsAsync(new FieldKey(app, FieldKind.Visitor, "", "createdAt")))!.Row.DisplayName);
    }

    [Fact]
    public async Task DefaultDisplayNamesKeptBetweenLoadsFollowFieldsAddedAndDeleted()
    {
        var app = await Data.AppAsync();
        await Data.FieldAsync(app, FieldKind.Visitor, GroupTypes.Segment, "created_at");
        await Data.FieldAsync(app, FieldKind.Visitor, GroupTypes.Segment, "plan");
        async Task<string> Shown() =>
            (await Mappings.QueryAsync(new DataMappingsQuery(app, FieldKind.Visitor))).Items.Single(r => r.Name == "created_at").DisplayName;
        Assert.Equal("Created at", await Shown());

        // As many fields as before, but another set: the newest id tells.
        Assert.True((await Mappings.DeleteAsync(new FieldKey(app, FieldKind.Visitor, "", "plan"))).Succeeded);
        await Data.FieldAsync(app, FieldKind.Visitor, GroupTypes.Agent, "createdAt");
        Assert.Equal("Created at (created_at)", await Shown());

        Assert.True((await Mappings.DeleteAsync(new FieldKey(app, FieldKind.Visitor, "", "createdAt"))).Succeeded);
        Assert.Equal("Created at", await Shown());
    }

    [Fact]
    public async Task AnAdminCannotGiveAFieldADisplayNameAnotherFieldOfTheKindShows()
    {
        var app = await Data.AppAsync();
        await Data.FieldAsync(app, FieldKind.Visitor, GroupTypes.Segment, "plan");
        await Data.FieldAsync(app, FieldKind.Visitor, GroupTypes.Segment, "tier");
        var result = await Mappings.UpdateAsync(new FieldKey(app, FieldKind.Visitor, "", "tier"), new FieldEdit("plan", null, false));

        Assert.False(result.Succeeded);
        Assert.Contains("already shows as", result.Error);
    }
}

/// <summary>The same suite on PostgreSQL.</summary>
public sealed class DataMappingsServiceTestsOnPostgres : DataMappingsServiceTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
