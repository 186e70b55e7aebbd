using Bunit;
using Microsoft.EntityFrameworkCore;
using Portal.Components.Pages.Applications;
using Portal.Core.Applications;
using Portal.Core.Data;
using Portal.Core.Users;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Components.Applications;

public sealed class SigningSettingsComponentTests : PortalComponentTest
{
    private async Task<ApplicationSummary> SignedAppAsync()
    {
        var apps = Admin<ApplicationService>();
        var id = (await apps.CreateAsync("Shop")).Value!.Id;
        await apps.SetSigningSecretAsync(id, "whsec-secret");
        return (await apps.GetAsync(id))!;
    }

    [Fact]
    public async Task SegmentCompatibleSigningExplainsThatOnlyABatchsFirstMessageIsSigned()
    {
        SignInAs("viewer@portal.test", PortalRoles.Viewer);
        var app = await SignedAppAsync();

        var cut = Render<AppSettingsPanel>(p => p.Add(c => c.App, app));

        Assert.Contains("Segment-compatible", cut.Find("[data-testid=signing-mode]").TextContent);
        Assert.Contains("first message only", cut.Find("[data-testid=signing-limit]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=strict-signing]"));
    }

    [Fact]
    public async Task AnAdminTurnsOnStrictSigningFromTheSettings()
    {
        SignInAs("admin@portal.test", PortalRoles.Admin);
        await CreateUserAsync("admin@portal.test", PortalRoles.Admin);
        RenderProviders();
        var app = await SignedAppAsync();
        var cut = Render<AppSettingsPanel>(p => p.Add(c => c.App, app).Add(c => c.IsAdmin, true));

        await cut.InvokeAsync(() => cut.Find("input[data-testid=strict-signing]").Change(true));

        await using var db = await Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        cut.WaitForAssertion(() => Assert.True(db.Applications.AsNoTracking().Single(a => a.Id == app.Id).SignatureCoversWholeBody), TimeSpan.FromSeconds(10));
    }
}
