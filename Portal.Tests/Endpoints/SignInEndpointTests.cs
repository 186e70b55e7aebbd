using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Users;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Endpoints;

public sealed class SignInEndpointTests : IAsyncLifetime
{
    private const string ViewerEmail = PortalAppFactory.ViewerEmail;
    private readonly PortalAppFactory _portal = new();

    public async Task InitializeAsync()
    {
        await _portal.SeedUserAsync(PortalAppFactory.AdminEmail, PortalRoles.Admin);
        await _portal.SeedUserAsync(ViewerEmail, PortalRoles.Viewer);
    }

    private async Task LockViewerAsync()
    {
        var users = _portal.Admin<UserAdminService>();
        var viewer = (await users.ListAsync()).Single(u => u.Email == ViewerEmail);
        Assert.True((await users.SetLockedAsync(viewer.Id, locked: true)).Succeeded);
    }

    [Fact]
    public async Task AnUnknownEmailAWrongPasswordAndALockedAccountGetTheSameAnswer()
    {
        await LockViewerAsync();

        var unknown = await PostLoginAsync(_portal.CreateRawClient(), "nobody@portal.test", "wrong-password-1");
        var wrong = await PostLoginAsync(_portal.CreateRawClient(), PortalAppFactory.AdminEmail, "wrong-password-2");
        var locked = await PostLoginAsync(_portal.CreateRawClient(), ViewerEmail, "wrong-password-3");

        foreach (var response in new[] { unknown, wrong, locked })
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("Invalid email or password.", LoginError(await response.Content.ReadAsStringAsync()));
        }
    }

    [Fact]
    public async Task AnAdminsLockIsNamedOnceTheRightPasswordIsGiven()
    {
        await LockViewerAsync();

        var response = await PostLoginAsync(_portal.CreateRawClient(), ViewerEmail, PortalAppFactory.Password);

        var error = LoginError(await response.Content.ReadAsStringAsync());
        Assert.Contains("locked by an Admin", error);
        Assert.DoesNotContain("15 minutes", error);
    }

    [Fact]
    public async Task WrongPasswordsNeverLockTheAccountItself()
    {
        var client = _portal.CreateRawClient();
        for (var i = 0; i < 8; i++) await PostLoginAsync(client, PortalAppFactory.AdminEmail, "wrong-password-" + i);

        var users = await _portal.Admin<UserAdminService>().ListAsync();

        Assert.False(users.Single(u => u.Email == PortalAppFactory.AdminEmail).IsLockedOut);
    }

    [Fact]
    public async Task AdminUnlockLetsAThrottledOwnerStraightBackIn()
    {
        var client = _portal.CreateRawClient();
        for (var i = 0; i < 5; i++) await PostLoginAsync(client, PortalAppFactory.AdminEmail, "wrong-password-" + i);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await PostLoginAsync(client, PortalAppFactory.AdminEmail, PortalAppFactory.Password)).StatusCode);

        var (exit, _, _) = await _portal.RunCliAsync("admin", "unlock", "--email", PortalAppFactory.AdminEmail);

        Assert.Equal(0, exit);
        Assert.Equal(HttpStatusCode.Redirect, (await PostLoginAsync(client, PortalAppFactory.AdminEmail, PortalAppFactory.Password)).StatusCode);
    }

    [Fact]
    public async Task SignOutWithoutAnAntiforgeryTokenIsABadRequest()
    {
        var client = await _portal.CreateSignedInClientAsync(PortalAppFactory.AdminEmail);

        var response = await client.PostAsync("/Account/Logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["ReturnUrl"] = "" }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("reload the page", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SignOutWithItsTokenSignsOut()
    {
        var client = await _portal.CreateSignedInClientAsync(PortalAppFactory.AdminEmail);
        var page = await client.GetStringAsync("/Account/Manage/ChangePassword");

        var response = await client.PostAsync("/Account/Logout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = PortalAppFactory.AntiforgeryToken(page),
        }));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/users")).StatusCode);
    }

    [Theory]
    [InlineData("https://evil.example/x")]
    [InlineData("//evil.example/x")]
    [InlineData("/\\evil.example")]
    [InlineData(" //evil.example")]
    [InlineData("javascript:alert(1)")]
    public async Task AForeignReturnUrlLeadsHomeAfterSignIn(string returnUrl)
    {
        var client = _portal.CreateRawClient();

        var response = await PostLoginAsync(client, PortalAppFactory.AdminEmail, PortalAppFactory.Password, returnUrl);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.DoesNotContain("evil", location.OriginalString);
        Assert.DoesNotContain("javascript", location.OriginalString);
        Assert.True(!location.IsAbsoluteUri || location.Host == "localhost", location.OriginalString);
    }

    [Fact]
    public async Task ALocalReturnUrlIsFollowedAfterSignIn()
    {
        var response = await PostLoginAsync(_portal.CreateRawClient(), PortalAppFactory.AdminEmail, PortalAppFactory.Password, "/users?page=2");

        Assert.EndsWith("/users?page=2", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task AUserChangesTheirOwnPassword()
    {
        var client = await _portal.CreateSignedInClientAsync(ViewerEmail);
        var page = await client.GetStringAsync("/Account/Manage/ChangePassword");

        var response = await client.PostAsync("/Account/Manage/ChangePassword", ChangePasswordForm(page, PortalAppFactory.Password, "plum-orbit-lantern-42"));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/Account/Manage")).StatusCode);
        var withOld = await PostLoginAsync(_portal.CreateRawClient(), ViewerEmail, PortalAppFactory.Password);
        Assert.Equal("Invalid email or password.", LoginError(await withOld.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.Redirect, (await PostLoginAsync(_portal.CreateRawClient(), ViewerEmail, "plum-orbit-lantern-42")).StatusCode);
    }

    [Fact]
    public async Task ACommonNewPasswordIsRefusedAndTheOldOneStillWorks()
    {
        var client = await _portal.CreateSignedInClientAsync(ViewerEmail);
        var page = await client.GetStringAsync("/Account/Manage/ChangePassword");

        var response = await client.PostAsync("/Account/Manage/ChangePassword", ChangePasswordForm(page, PortalAppFactory.Password, "qwerty123456"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("commonly used", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Redirect, (await PostLoginAsync(_portal.CreateRawClient(), ViewerEmail, PortalAppFactory.Password)).StatusCode);
    }

    [Fact]
    public async Task WhenRequiredAnAdminWithoutTwoFactorIsSentToSetItUpAndAViewerIsNot()
    {
        _portal.Dispose();
        using var portal = new PortalAppFactory { Settings = { ["SignIn:RequireTwoFactorForAdmins"] = "true" } };
        await portal.SeedUserAsync(PortalAppFactory.AdminEmail, PortalRoles.Admin);
        await portal.SeedUserAsync(ViewerEmail, PortalRoles.Viewer);
        var admin = await portal.CreateSignedInClientAsync(PortalAppFactory.AdminEmail);
        var viewer = await portal.CreateSignedInClientAsync(ViewerEmail);

        var adminHome = await admin.GetAsync("/");
        var setup = await admin.GetAsync("/Account/Manage/EnableAuthenticator");
        var viewerHome = await viewer.GetAsync("/");

        Assert.Equal(HttpStatusCode.Redirect, adminHome.StatusCode);
        Assert.StartsWith("/Account/Manage/EnableAuthenticator", adminHome.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, setup.StatusCode);
        Assert.Contains("data-testid=\"qr-code\"", await setup.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, viewerHome.StatusCode);
    }

    internal static async Task<HttpResponseMessage> PostLoginAsync(HttpClient client, string email, string password, string? returnUrl = null)
    {
        var path = returnUrl is null ? "/Account/Login" : "/Account/Login?ReturnUrl=" + Uri.EscapeDataString(returnUrl);
        var form = await client.GetStringAsync(path);
        return await client.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = PortalAppFactory.AntiforgeryToken(form),
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        }));
    }

    internal static string? LoginError(string html)
    {
        var match = System.Text.RegularExpressions.Regex.Match(html, "data-testid=\"login-error\">([^<]*)<");
        return match.Success ? WebUtility.HtmlDecode(match.Groups[1].Value) : null;
    }

    private static FormUrlEncodedContent ChangePasswordForm(string page, string current, string next) => new(new Dictionary<string, string>
    {
        ["_handler"] = "change-password",
        ["__RequestVerificationToken"] = PortalAppFactory.AntiforgeryToken(page),
        ["Input.OldPassword"] = current,
        ["Input.NewPassword"] = next,
        ["Input.ConfirmPassword"] = next,
    });

    public Task DisposeAsync()
    {
        _portal.Dispose();
        return Task.CompletedTask;
    }
}
