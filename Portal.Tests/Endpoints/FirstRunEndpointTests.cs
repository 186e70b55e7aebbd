using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Users;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Endpoints;

public sealed class FirstRunEndpointTests : IDisposable
{
    private readonly PortalAppFactory _portal = new();

    [Theory]
    [InlineData("/")]
    [InlineData("/users")]
    [InlineData("/Account/Login")]
    public async Task OnAnEmptyDatabaseEveryPageLeadsToSetup(string path)
    {
        var response = await _portal.CreateRawClient().GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/setup", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task SetupCreatesTheFirstAdminSignsInAndThenIsGone()
    {
        var client = _portal.CreateRawClient();
        var form = await client.GetStringAsync("/setup");

        var created = await client.PostAsync("/setup", SetupForm(form, "first@portal.test"));

        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        var dashboard = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.Contains("Dashboard", await dashboard.Content.ReadAsStringAsync());

        // Replaying the same form (same token, same client) must not create a second Admin.
        var replay = await client.PostAsync("/setup", SetupForm(form, "intruder@portal.test"));
        Assert.Equal(HttpStatusCode.NotFound, replay.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _portal.CreateRawClient().GetAsync("/setup")).StatusCode);
        var users = await _portal.Admin<UserAdminService>().ListAsync();
        Assert.Equal("first@portal.test", Assert.Single(users).Email);
    }

    [Fact]
    public async Task SetupRefusesMismatchedPasswordsAndCreatesNoUser()
    {
        var client = _portal.CreateRawClient();
        var form = await client.GetStringAsync("/setup");

        var response = await client.PostAsync("/setup", SetupForm(form, "first@portal.test", confirm: "something-else-entirely"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("do not match", await response.Content.ReadAsStringAsync());
        Assert.True(await _portal.Services.GetRequiredService<FirstRunService>().NeedsSetupAsync());
    }

    [Fact]
    public async Task OnceAUserExistsAnonymousPagesRedirectToLogin()
    {
        await _portal.SeedUserAsync(PortalAppFactory.AdminEmail, PortalRoles.Admin);

        var response = await _portal.CreateRawClient().GetAsync("/users");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("http://localhost/Account/Login", response.Headers.Location?.ToString());
    }

    [Fact]
    public async Task AViewerIsDeniedTheUsersPage()
    {
        await _portal.SeedUserAsync(PortalAppFactory.AdminEmail, PortalRoles.Admin);
        await _portal.SeedUserAsync(PortalAppFactory.ViewerEmail, PortalRoles.Viewer);
        var viewer = await _portal.CreateSignedInClientAsync(PortalAppFactory.ViewerEmail);

        var response = await viewer.GetAsync("/users");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/Account/AccessDenied", response.Headers.Location?.ToString());
    }

    [Fact]
    public async Task FiveWrongPasswordsMakeThatAddressWaitWithRetryAfter()
    {
        await _portal.SeedUserAsync(PortalAppFactory.AdminEmail, PortalRoles.Admin);
        var client = _portal.CreateRawClient();
        for (var i = 0; i < 5; i++) await PostLoginAsync(client, "wrong-password-" + i);

        var withRightPassword = await PostLoginAsync(client, PortalAppFactory.Password);

        Assert.Equal(HttpStatusCode.TooManyRequests, withRightPassword.StatusCode);
        Assert.True(withRightPassword.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Contains("Too many failed sign-ins", await withRightPassword.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task HealthAnswersAnonymously()
    {
        var client = _portal.CreateRawClient();

        var live = await client.GetAsync("/healthz");
        var ready = await client.GetAsync("/healthz/ready");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("Healthy", await live.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("""{"status":"Healthy","checks":{"database":"Healthy","ingestion-writer":"Healthy","stopping":"Healthy"}}""",
            await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task StaticAssetsFromWwwrootAssetsAreServedWithSecurityHeaders()
    {
        var response = await _portal.CreateRawClient().GetAsync("/css/portal.css");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(".portal-brand", await response.Content.ReadAsStringAsync());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
    }

    private static async Task<HttpResponseMessage> PostLoginAsync(HttpClient client, string password)
    {
        var form = await client.GetStringAsync("/Account/Login");
        return await client.PostAsync("/Account/Login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = PortalAppFactory.AntiforgeryToken(form),
            ["Input.Email"] = PortalAppFactory.AdminEmail,
            ["Input.Password"] = password,
        }));
    }

    private static FormUrlEncodedContent SetupForm(string page, string email, string? confirm = null) => new(new Dictionary<string, string>
    {
        ["_handler"] = "setup",
        ["__RequestVerificationToken"] = PortalAppFactory.AntiforgeryToken(page),
        ["Input.Email"] = email,
        ["Input.Password"] = PortalAppFactory.Password,
        ["Input.ConfirmPassword"] = confirm ?? PortalAppFactory.Password,
    });

    public void Dispose() => _portal.Dispose();
}
