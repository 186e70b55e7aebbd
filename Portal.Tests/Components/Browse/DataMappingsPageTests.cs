using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Portal.Components.Pages.DataMappings;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Metadata;
using Portal.Core.Users;
using Portal.Tests.Core.Browse;

namespace Portal.Tests.Components.Browse;

public sealed class DataMappingsPageTests : BrowsePageTest
{
    private IRenderedComponent<DataMappings> RenderPage(Guid app) =>
        Render<DataMappings>(p => p.Add(x => x.AppId, app));

    [Fact]
    public async Task HostileFieldNamesAndSamplesRenderAsText()
    {
        var app = await Data.AppAsync();
        await Data.FieldAsync(app, FieldKind.Visitor, GroupTypes.Segment, BrowseData.Script, samples: [BrowseData.ImgBreakout]);
        SignInAs("viewer@portal.test", PortalRoles.Viewer);
        RenderProviders();

        var page = RenderPage(app);

        page.WaitForAssertion(() => Assert.Contains("alert(1)", page.Markup));
        AssertRenderedAsText(page);
    }

    [Fact]
    public async Task FieldsShowGroupTypeChipsTypesAndHumanizedDisplayNames()
    {
        var app = await Data.AppAsync();
        await Data.FieldAsync(app, FieldKind.Visitor, GroupTypes.Segment, "first_name", count: 1234);
        await Data.FieldAsync(app, FieldKind.Visitor, GroupTypes.Agent, "first_name");
        SignInAs("viewer@portal.test", PortalRoles.Viewer);
        RenderProviders();

        var page = RenderPage(app);

        page.WaitForAssertion(() => Assert.Contains("First name", page.Markup));
        Assert.Equal(["segment.io", "agent"], page.FindAll("[data-testid=group-type]").Select(c => c.TextContent.Trim()));
        Assert.Contains("1.2K", page.Markup);
        Assert.Contains("title=\"1,235\"", page.Markup);
    }

    [Fact]
    public async Task TheCapWarningShowsHowManyFieldsWereDropped()
    {
        var app = await Data.AppAsync();
        await Data.FieldAsync(app, FieldKind.Visitor, GroupTypes.Segment, "plan");
        await Data.OverflowAsync(app, FieldKind.Visitor, GroupTypes.Segment, 1234);
        SignInAs("viewer@portal.test", PortalRoles.Viewer);
        RenderProviders();

        var page = RenderPage(app);

        var warning = page.WaitForElement("[data-testid=cap-warning]");
        Assert.Contains("1,234", warning.TextContent);
        Assert.Contains("segment.io", warning.TextContent);
    }

    [Fact]
    public async Task NoCapWarningWhileNothingWasDropped()
    {
        var app = await Data.AppAsync();
        await Data.FieldAsync(app, FieldKind.Visitor, GroupTypes.Segment, "plan");
        SignInAs("viewer@portal.test", PortalRoles.Viewer);
        RenderProviders();

        var page = RenderPage(app);

        page.WaitForAssertion(() => Assert.Contains("Plan", page.Markup));
        Assert.Empty(page.FindAll("[data-testid=cap-warning]"));
    }

    [Fact]
    public async Task AnAdminRenamesAndRetypesAFieldInTheDrawerAndItIsStored()
    {
        var app = await Data.AppAsync();
        await Data.FieldAsync(app, FieldKind.Visitor, GroupTypes.Segment, "plan");
        SignInAs("admin@portal.test", PortalRoles.Admin);
        RenderProviders();
        var page = RenderPage(app);
        page.WaitForAssertion(() => Assert.Contains("Plan", page.Markup));

        page.Find("[data-testid=field-grid] tbody tr").Click();
        page.WaitForElement("input[data-testid=display-name]").Change("Pricing plan");
        var typeSelect = page.FindComponent<MudBlazor.MudSelect<FieldType?>>();
        await page.InvokeAsync(() => typeSelect.Instance.ValueChanged.InvokeAsync(FieldType.Integer));
        page.Find("[data-testid=save-mapping]").Click();

        await WaitForStoredAsync(f => f.DisplayName == "Pricing plan" && f.TypeOverride == FieldType.Integer);
        page.WaitForAssertion(() => Assert.Contains("Pricing plan", page.Find("[data-testid=field-grid]").TextContent));
    }

    [Fact]
    public async Task AViewerSeesNoEditFormInTheDrawer()
    {
        var app = await Data.AppAsync();
        await Data.FieldAsync(app, FieldKind.Visitor, GroupTypes.Segment, "plan", samples: [BrowseData.ImgBreakout]);
        SignInAs("viewer@portal.test", PortalRoles.Viewer);
        RenderProviders();
        var page = RenderPage(app);
        page.WaitForAssertion(() => Assert.Contains("Plan", page.Markup));

        page.Find("[data-testid=field-grid] tbody tr").Click();

        page.WaitForAssertion(() => Assert.Contains("Admins can change them", page.Markup));
        Assert.Empty(page.FindAll("[data-testid=mapping-edit]"));
        AssertNoImg(page);
    }

    [Fact]
    public async Task ExportingDownloadsTheCurrentViewAsCsv()
    {
        var app = await Data.AppAsync();
        await Data.FieldAsync(app, FieldKind.Visitor, GroupTypes.Segment, "first_name");
        SignInAs("viewer@portal.test", PortalRoles.Viewer);
        RenderProviders();
        var download = JSInterop.SetupVoid("portal.download", _ => true);
        var page = RenderPage(app);
        page.WaitForAssertion(() => Assert.Contains("First name", page.Markup));

        page.Find("[data-testid=export-csv]").Click();

        page.WaitForAssertion(() => Assert.Single(download.Invocations));
        var call = download.Invocations.Single();
        Assert.Equal("data-mappings-visitor.csv", call.Arguments[0]);
        Assert.Equal("text/csv", call.Arguments[1]);
        Assert.Contains("first_name,First name,text", (string)call.Arguments[2]!);
    }

    private static void AssertNoImg(IRenderedComponent<DataMappings> page)
    {
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", page.Markup);
        Assert.Empty(page.FindAll("img"));
    }

    private async Task WaitForStoredAsync(Func<MetadataField, bool> condition)
    {
        for (var i = 0; i < 100; i++)
        {
            await using var db = await Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
            if (condition(await db.MetadataFields.SingleAsync())) return;
            await Task.Delay(20);
        }
        Assert.Fail("The edit was not stored.");
    }
}
