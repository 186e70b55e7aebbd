using Portal.Core.Applications;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Core.Applications;

/// <summary>A Pendo key (imported) works at Pendo and here; a Portal key (generated) only here, and URLs and rotation follow that.</summary>
public sealed class KeyOriginTests : CoreTestBase
{
    private const string PendoKey = "12345678-aaaa-bbbb-cccc-1234567890ab";
    private const string NewPendoKey = "87654321-dddd-eeee-ffff-0987654321fe";

    protected override void Configure(Dictionary<string, string?> settings, Microsoft.Extensions.DependencyInjection.IServiceCollection services) =>
        settings["Webhooks:PublicBaseUrl"] = "https://portal.example.com";

    [Fact]
    public void APendoKeyIsOfferedPendosRegionsAndThisPortal()
    {
        var rows = Get<WebhookUrlBuilder>().Build(PendoKey, ApiKeyOrigin.Imported);

        Assert.Equal(["US", "EU", WebhookUrlBuilder.ThisPortal], rows.Select(r => r.Name));
    }

    [Fact]
    public void APortalKeyIsOfferedThisPortalOnly()
    {
        var rows = Get<WebhookUrlBuilder>().Build(PendoKey, ApiKeyOrigin.Generated);

        var row = Assert.Single(rows);
        Assert.Equal($"https://portal.example.com/data/segmentio/{PendoKey}", row.Url);
    }

    [Fact]
    public async Task RotatingAPendoKeyNeedsTheNewPendoKeyAndKeepsItsOrigin()
    {
        var app = (await Get<ApplicationService>().CreateAsync("Shop")).Value!;
        var keys = Get<ApiKeyService>();
        var old = (await keys.ImportAsync(app.Id, PendoKey)).Value!;

        var refused = await keys.RotateAsync(old.KeyId);
        var rotated = await keys.RotateAsync(old.KeyId, NewPendoKey);

        Assert.Contains("give the new key Pendo issued", refused.Error);
        Assert.True(rotated.Succeeded, rotated.Error);
        Assert.Equal(NewPendoKey, rotated.Value!.Key);
        Assert.Equal(ApiKeyOrigin.Imported, (await keys.GetAsync(rotated.Value.KeyId))!.Origin);
        Assert.Equal(ApiKeyStatus.Expiring, (await keys.GetAsync(old.KeyId))!.Status);
    }

    [Fact]
    public async Task RotatingAPortalKeyGeneratesItsReplacement()
    {
        var app = (await Get<ApplicationService>().CreateAsync("Shop")).Value!;
        var keys = Get<ApiKeyService>();
        var old = (await keys.GenerateAsync(app.Id)).Value!;

        Assert.False((await keys.RotateAsync(old.KeyId, NewPendoKey)).Succeeded);
        var rotated = (await keys.RotateAsync(old.KeyId)).Value!;

        Assert.NotEqual(old.Key, rotated.Key);
        Assert.Equal(ApiKeyOrigin.Generated, rotated.Origin);
    }
}
