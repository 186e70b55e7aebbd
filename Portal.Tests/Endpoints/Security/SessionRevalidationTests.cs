using System.Net;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Portal.Components.Account;
using Portal.Core.Users;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Endpoints.Security;

/// <summary>
/// A lock, a demotion or a password reset reaches sessions already open within a minute: the sign-in cookie
/// and the open circuit are both rechecked on Security:RevalidationInterval. The clock is fake and moved by hand.
/// </summary>
public sealed class SessionRevalidationTests : IAsyncLifetime
{
    // Real "now": the test's HTTP client drops cookies whose expiry lies in the real past.
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly PortalAppFactory _portal = new();

    public async Task InitializeAsync()
    {
        _portal.ConfigureServices = s => s.AddSingleton<TimeProvider>(_time);
        await _portal.SeedUserAsync(PortalAppFactory.AdminEmail, PortalRoles.Admin);
        await _portal.SeedUserAsync(PortalAppFactory.ViewerEmail, PortalRoles.Viewer);
    }

    [Fact]
    public async Task ALockedUsersCookieStopsWorkingWithinAMinute()
    {
        var viewer = await _portal.CreateSignedInClientAsync(PortalAppFactory.ViewerEmail);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/")).StatusCode);

        await LockAsync(PortalAppFactory.ViewerEmail);
        _time.Advance(TimeSpan.FromSeconds(61));

        var after = await viewer.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.StartsWith("/Account/Login", after.Headers.Location!.OriginalString.Replace("http://localhost", ""));
    }

    [Fact]
    public async Task AnOpenCircuitIsSignedOutWithinAMinuteOfALock()
    {
        var (provider, signedOut) = await OpenCircuitAsync(PortalAppFactory.ViewerEmail);

        await LockAsync(PortalAppFactory.ViewerEmail);
        _time.Advance(TimeSpan.FromSeconds(60));

        var state = await signedOut.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(state.User.Identity?.IsAuthenticated);
        provider.Dispose();
    }

    [Fact]
    public async Task AnOpenCircuitOfADemotedAdminIsSignedOutWithinAMinute()
    {
        var (provider, signedOut) = await OpenCircuitAsync(PortalAppFactory.AdminEmail);
        await _portal.SeedUserAsync("second-admin@portal.test", PortalRoles.Admin);
        var users = _portal.Admin<UserAdminService>();
        var id = (await users.ListAsync()).Single(u => u.Email == PortalAppFactory.AdminEmail).Id;

        Assert.True((await users.ChangeRoleAsync(id, PortalRoles.Viewer)).Succeeded);
        _time.Advance(TimeSpan.FromSeconds(60));

        var state = await signedOut.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(state.User.Identity?.IsAuthenticated);
        provider.Dispose();
    }

    /// <summary>The circuit's provider as Blazor sets it up: given the signed-in principal, with the security stamp claim.</summary>
    private async Task<(IdentityRevalidatingAuthenticationStateProvider Provider, Task<AuthenticationState> SignedOut)> OpenCircuitAsync(string email)
    {
        var scope = _portal.Services.CreateAsyncScope();
        var signIn = scope.ServiceProvider.GetRequiredService<SignInManager<PortalUser>>();
        var principal = await signIn.CreateUserPrincipalAsync((await signIn.UserManager.FindByEmailAsync(email))!);
        var provider = ActivatorUtilities.CreateInstance<IdentityRevalidatingAuthenticationStateProvider>(scope.ServiceProvider);
        var signedOut = new TaskCompletionSource<AuthenticationState>(TaskCreationOptions.RunContinuationsAsynchronously);
        provider.AuthenticationStateChanged += async task =>
        {
            var state = await task;
            if (state.User.Identity?.IsAuthenticated != true) signedOut.TrySetResult(state);
        };
        provider.SetAuthenticationState(Task.FromResult(new AuthenticationState(principal)));
        return (provider, signedOut.Task);
    }

    private async Task LockAsync(string email)
    {
        var users = _portal.Admin<UserAdminService>();
        var id = (await users.ListAsync()).Single(u => u.Email == email).Id;
        Assert.True((await users.SetLockedAsync(id, true)).Succeeded);
    }

    public Task DisposeAsync()
    {
        _portal.Dispose();
        return Task.CompletedTask;
    }
}
