using Portal.Tests.Infrastructure;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.EntityFrameworkCore;
using Portal.Components.Browse;
using Portal.Components.Pages.DataMappings;
using Portal.Components.Pages.Visitors;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Metadata;
using Portal.Core.Metadata.Custom;
using Portal.Core.Users;
using Portal.Tests.Core.Browse;

namespace Portal.Tests.Components.Browse;

/// <summary>The custom field editor, the CSV upload's preview and import, and custom values on a visitor's page.</summary>
public sealed class CustomMetadataPageTests : BrowsePageTest
{
    public CustomMetadataPageTests() => SignInAs("admin@portal.test", PortalRoles.Admin);

    private IRenderedComponent<DataMappings> RenderMappings(Guid app) => Render<DataMappings>(p => p.Add(x => x.AppId, app));

    [Fact]
    public async Task AnAdminDefinesACustomFieldAndABadNameIsRefusedWithTheReason()
    {
        var app = await Data.AppAsync();
        var dialogs = RenderProviders();
        var page = RenderMappings(app);

        await page.ClickWhenPresentAsync("[data-testid=custom-fields-button]");
        dialogs.WaitForElement("input[data-testid=custom-field-name]").Input("bad name");
        dialogs.Find("[data-testid=add-custom-field]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("letters, digits and underscores", dialogs.Find("[data-testid=custom-field-error]").TextContent));

        dialogs.Find("input[data-testid=custom-field-name]").Input("renewal_date");
        var typeSelect = dialogs.FindComponent<MudBlazor.MudSelect<FieldType>>();
        await dialogs.InvokeAsync(() => typeSelect.Instance.ValueChanged.InvokeAsync(FieldType.Date));
        dialogs.Find("[data-testid=add-custom-field]").Click();

        dialogs.WaitForAssertion(() => Assert.Contains("renewal_date", dialogs.Find("[data-testid=custom-fields]").TextContent));
        Assert.Equal([("renewal_date", FieldType.Date)], (await Admin<CustomFieldService>().ListAsync(app, FieldKind.Visitor)).Select(f => (f.Name, f.Type)));
        dialogs.Find("[data-testid=custom-fields-close]").Click();
        page.WaitForAssertion(() => Assert.Contains("Renewal date", page.Find("[data-testid=field-grid]").TextContent));
    }

    [Fact]
    public async Task TheUploadPreviewListsBadRowsAsTextAndImportWritesOnlyTheGoodOnes()
    {
        var app = await Data.AppAsync();
        await Data.VisitorAsync(app, "u1");
        await Data.VisitorAsync(app, "u2");
        Assert.True((await Admin<CustomFieldService>().CreateAsync(app, FieldKind.Visitor, "seats", FieldType.Integer)).Succeeded);
        var dialogs = RenderProviders();
        var page = RenderMappings(app);

        await page.ClickWhenPresentAsync("[data-testid=upload-values-button]");
        dialogs.WaitForElement("[data-testid=csv-upload]");
        dialogs.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(
            $"id,seats\nu1,12\nu2,lots\n\"{BrowseData.Script}\",3\n", "values.csv"));

        dialogs.WaitForAssertion(() => Assert.Contains("3 rows read", dialogs.Find("[data-testid=csv-summary]").TextContent));
        var errors = dialogs.Find("[data-testid=csv-errors]").TextContent;
        Assert.Contains("seats: \"lots\" is not a whole number.", errors);
        Assert.Contains("No visitor with this id.", errors);
        Assert.Empty(dialogs.FindAll("[data-testid=csv-errors] script"));
        await using (var db = await Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
            Assert.False(await db.CustomValues.AnyAsync());

        dialogs.Find("[data-testid=csv-import]").Click();

        dialogs.WaitForAssertion(() => Assert.Contains("1 value written", dialogs.Find("[data-testid=csv-result]").TextContent));
        Assert.Equal("100", dialogs.Find("[data-testid=csv-progress]").GetAttribute("aria-valuenow"));
        await using var check = await Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        Assert.Equal([("u1", "12")], await check.CustomValues.Select(v => new ValueTuple<string, string>(v.EntityId, v.ValueJson)).ToListAsync());
    }

    [Fact]
    public async Task OnAVisitorsPageAWrongTypedValueShowsTheReasonAndARightOneIsShownAsCustom()
    {
        var app = await Data.AppAsync();
        await Data.VisitorAsync(app, "u1");
        Assert.True((await Admin<CustomFieldService>().CreateAsync(app, FieldKind.Visitor, "vip", FieldType.Boolean)).Succeeded);
        var dialogs = RenderProviders();
        Service<NavigationManager>().NavigateTo(Links.Visitor(app, "u1"));
        var page = Render<VisitorPage>();

        await page.ClickWhenPresentAsync("[data-testid=edit-custom-values]");
        dialogs.WaitForElement("input[data-testid=custom-value-vip]").Change("maybe");
        dialogs.Find("[data-testid=save-custom-values]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("\"maybe\" is not a boolean", dialogs.Markup));

        dialogs.Find("input[data-testid=custom-value-vip]").Change("true");
        dialogs.Find("[data-testid=save-custom-values]").Click();

        page.WaitForAssertion(() => Assert.Contains("custom", page.FindAll("[data-testid=group-type]").Select(c => c.TextContent.Trim())));
        Assert.Contains("vip", page.Markup);
    }

    [Fact]
    public async Task AViewerSeesNeitherTheCustomFieldButtonsNorTheValueEditor()
    {
        var app = await Data.AppAsync();
        await Data.VisitorAsync(app, "u1", BrowseData.Metadata(GroupTypes.Segment, ("plan", "pro")));
        SignInAs("viewer@portal.test", PortalRoles.Viewer);
        RenderProviders();

        var mappings = RenderMappings(app);
        mappings.WaitForAssertion(() => Assert.Contains("Days active", mappings.Markup));
        Service<NavigationManager>().NavigateTo(Links.Visitor(app, "u1"));
        var visitor = Render<VisitorPage>();
        visitor.WaitForAssertion(() => Assert.Contains("plan", visitor.Markup));

        Assert.Empty(mappings.FindAll("[data-testid=custom-fields-button]"));
        Assert.Empty(mappings.FindAll("[data-testid=upload-values-button]"));
        Assert.Empty(visitor.FindAll("[data-testid=edit-custom-values]"));
    }
}
