using Microsoft.EntityFrameworkCore;
using Portal.Core.Applications;
using Portal.Core.Audit;
using Portal.Core.Data;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Core.Applications;

public class ApplicationServiceTests : CoreTestBase
{
    private ApplicationService apps => Get<ApplicationService>();

    [Fact]
    public async Task TheListCountsOnlyKeysThatStillWorkAndHidesArchivedAppsUnlessAsked()
    {
        var keys = Host.Get<ApiKeyService>();
        var shop = (await apps.CreateAsync("Shop")).Value!.Id;
        var blog = (await apps.CreateAsync("blog", AppPlatform.Mobile, "EU")).Value!.Id;
        await keys.GenerateAsync(shop);
        var revoked = (await keys.GenerateAsync(shop)).Value!;
        await keys.RevokeAsync(revoked.KeyId);
        await keys.GenerateAsync(blog);
        await apps.ArchiveAsync(blog);

        var active = await apps.ListAsync();
        var all = await apps.ListAsync(includeArchived: true);

        var only = Assert.Single(active);
        Assert.Equal(("Shop", 1), (only.Name, only.KeyCount));
        Assert.Equal(["blog", "Shop"], all.Select(a => a.Name));
        Assert.True(all[0].IsArchived);
        Assert.Equal((AppPlatform.Mobile, "EU"), (all[0].Platform, all[0].Region));
    }

    [Fact]
    public async Task ThePickersChoicesAreTheListsNamesInTheSameOrder()
    {
        await apps.CreateAsync("Shop");
        var blog = (await apps.CreateAsync("blog")).Value!.Id;
        await apps.CreateAsync("Admin");
        await apps.ArchiveAsync(blog);

        Assert.Equal(["Admin", "Shop"], (await apps.ListChoicesAsync()).Select(a => a.Name));
        var all = await apps.ListChoicesAsync(includeArchived: true);
        Assert.Equal((await apps.ListAsync(includeArchived: true)).Select(a => (a.Id, a.Name, a.IsArchived)), all.Select(a => (a.Id, a.Name, a.IsArchived)));
        Assert.Equal([false, true, false], all.Select(a => a.IsArchived));
    }

    [Fact]
    public async Task EditingChangesTheSettingsAndIsAudited()
    {
        var id = (await apps.CreateAsync("Shop")).Value!.Id;

        var result = await apps.EditAsync(id, " Store ", AppPlatform.Mobile, "eu", "  the store ");

        Assert.True(result.Succeeded, result.Error);
        var app = (await apps.GetAsync(id))!;
        Assert.Equal(("Store", AppPlatform.Mobile, "EU", "the store"), (app.Name, app.Platform, app.Region, app.Description));
        Assert.Contains(await AuditAsync(), e => e is { Action: AuditActions.AppEdited, User: CoreHost.AdminName, Target: "Store" });
    }

    [Fact]
    public async Task AnUnknownRegionOrADuplicateNameIsRefused()
    {
        await apps.CreateAsync("Shop");

        var region = await apps.CreateAsync("Other", region: "Mars");
        var duplicate = await apps.CreateAsync("SHOP");

        Assert.Contains("Unknown region 'Mars'", region.Error);
        Assert.Contains("already exists", duplicate.Error);
        Assert.Single(await apps.ListAsync(true));
    }

    [Fact]
    public async Task FindAcceptsANameInAnyCaseOrAnId()
    {
        var id = (await apps.CreateAsync("Shop")).Value!.Id;

        Assert.Equal(id, (await apps.FindAsync("shop")).Value!.Id);
        Assert.Equal(id, (await apps.FindAsync(id.ToString())).Value!.Id);
        Assert.False((await apps.FindAsync("nope")).Succeeded);
    }

    [Fact]
    public async Task TheSigningSecretIsStoredEncryptedAndReachesTheResolver()
    {
        var id = (await apps.CreateAsync("Shop")).Value!.Id;
        var key = (await Host.Get<ApiKeyService>().GenerateAsync(id)).Value!;
        var resolver = Host.Get<ApiKeyResolver>();
        Assert.Null((await resolver.ResolveAsync(key.Key))!.SigningSecret);

        await apps.SetSigningSecretAsync(id, "s3cret-value-for-hmac");

        Assert.Equal("s3cret-value-for-hmac", (await resolver.ResolveAsync(key.Key))!.SigningSecret);
        Assert.True((await apps.GetAsync(id))!.HasSigningSecret);
        await using (var db = await Host.Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            var stored = await db.Applications.AsNoTracking().Where(a => a.Id == id).Select(a => a.ProtectedSigningSecret).SingleAsync();
            Assert.DoesNotContain("s3cret", stored);
        }
        Assert.DoesNotContain(await AuditAsync(), e => $"{e.Target} {e.Details}".Contains("s3cret"));

        await apps.SetSigningSecretAsync(id, null);
        Assert.Null((await resolver.ResolveAsync(key.Key))!.SigningSecret);
    }

    private async Task<List<AuditEntry>> AuditAsync()
    {
        await using var db = await Host.Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        return await db.AuditEntries.AsNoTracking().ToListAsync();
    }
}

/// <summary>The same suite on PostgreSQL.</summary>
public sealed class ApplicationServiceTestsOnPostgres : ApplicationServiceTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
