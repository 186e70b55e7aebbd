using Portal.Core.Security;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Applications;
using Portal.Core.Users;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Endpoints.Applications;

public sealed class ApplicationsEndpointTests : IDisposable
{
    private readonly PortalAppFactory _portal = new();

    [Fact]
    public async Task AViewerAskingForTheAuditLogIsRefusedByTheServer()
    {
        await _portal.SeedUserAsync(PortalAppFactory.AdminEmail, PortalRoles.Admin);
        await _portal.SeedUserAsync(PortalAppFactory.ViewerEmail, PortalRoles.Viewer);
        var viewer = await _portal.CreateSignedInClientAsync(PortalAppFactory.ViewerEmail);
        var admin = await _portal.CreateSignedInClientAsync(PortalAppFactory.AdminEmail);

        var refused = await viewer.GetAsync("/audit");
        var allowed = await admin.GetAsync("/audit");

        Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
        Assert.Contains("/Account/AccessDenied", refused.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Contains("Audit log", await allowed.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AViewerMaySeeApplicationsButTheKeyServiceRefusesTheirReveal()
    {
        await _portal.SeedUserAsync(PortalAppFactory.ViewerEmail, PortalRoles.Viewer);
        var apps = _portal.Admin<ApplicationService>();
        var keys = _portal.Admin<ApiKeyService>();
        var app = (await apps.CreateAsync("Shop")).Value!;
        var issued = (await keys.GenerateAsync(app.Id)).Value!;
        var viewer = await _portal.CreateSignedInClientAsync(PortalAppFactory.ViewerEmail);

        var page = await viewer.GetAsync($"/applications/{app.Id}");
        var reveal = await _portal.As<ApiKeyService>(new Actor(null, PortalAppFactory.ViewerEmail, IsAdmin: false)).RevealAsync(issued.KeyId);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.DoesNotContain(issued.Key, await page.Content.ReadAsStringAsync());
        Assert.False(reveal.Succeeded);
        Assert.Equal("Only Admins can reveal API keys.", reveal.Error);
    }

    [Fact]
    public async Task AnAnonymousVisitorIsSentToSignInFromTheApplicationPages()
    {
        await _portal.SeedUserAsync(PortalAppFactory.AdminEmail, PortalRoles.Admin);

        var response = await _portal.CreateRawClient().GetAsync("/applications");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/Account/Login", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task TheRunningPortalsDatabaseFilesHoldNoKeyInPlainText()
    {
        await _portal.SeedUserAsync(PortalAppFactory.AdminEmail, PortalRoles.Admin);
        var app = (await _portal.Admin<ApplicationService>().CreateAsync("Shop")).Value!;
        var keys = _portal.Admin<ApiKeyService>();
        var values = new List<string>();
        for (var i = 0; i < 3; i++) values.Add((await keys.GenerateAsync(app.Id, $"k{i}")).Value!.Key);
        var rotated = (await keys.ListAsync(app.Id))[0];
        values.Add((await keys.RotateAsync(rotated.Id)).Value!.Key);

        using var all = new MemoryStream();
        foreach (var path in new[] { _portal.DatabasePath, _portal.DatabasePath + "-wal" }.Where(File.Exists))
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            file.CopyTo(all);
        }
        var bytes = all.ToArray();

        Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(PortalAppFactory.AdminEmail)) >= 0, "the files were read");
        foreach (var key in values)
        {
            Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(key)) < 0, $"…{key[^4..]} in UTF-8");
            Assert.True(bytes.AsSpan().IndexOf(Encoding.Unicode.GetBytes(key)) < 0, $"…{key[^4..]} in UTF-16");
        }
    }

    public void Dispose() => _portal.Dispose();
}
