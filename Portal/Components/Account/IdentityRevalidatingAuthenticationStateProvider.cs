using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Portal.Core.Users;
using Portal.Security;

namespace Portal.Components.Account;

/// <summary>
/// Rechecks an open circuit's user against the database every <see cref="SessionSecurityOptions.RevalidationInterval"/>
/// and signs the circuit out when the user is gone, locked or has a new security stamp (role change, password
/// reset, lock). Unlike the framework's revalidating provider it waits on <see cref="TimeProvider"/>, so tests can
/// move the clock instead of waiting.
/// </summary>
internal sealed class IdentityRevalidatingAuthenticationStateProvider : ServerAuthenticationStateProvider, IDisposable
{
    private readonly IServiceScopeFactory _scopes;
    private readonly IOptions<IdentityOptions> _identity;
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;
    private readonly ILogger _logger;
    private CancellationTokenSource? _loop;

    public IdentityRevalidatingAuthenticationStateProvider(IServiceScopeFactory scopes, IOptions<IdentityOptions> identity,
        IOptions<SessionSecurityOptions> session, TimeProvider time, ILogger<IdentityRevalidatingAuthenticationStateProvider> logger)
    {
        _scopes = scopes;
        _identity = identity;
        _time = time;
        _interval = session.Value.RevalidationInterval;
        _logger = logger;
        AuthenticationStateChanged += Revalidate;
    }

    public void Dispose()
    {
        AuthenticationStateChanged -= Revalidate;
        _loop?.Cancel();
        _loop?.Dispose();
    }

    private void Revalidate(Task<AuthenticationState> state)
    {
        _loop?.Cancel();
        _loop?.Dispose();
        _loop = new CancellationTokenSource();
        _ = RevalidateLoopAsync(state, _loop.Token);
    }

    private async Task RevalidateLoopAsync(Task<AuthenticationState> stateTask, CancellationToken cancellationToken)
    {
        var user = (await stateTask).User;
        if (user.Identity?.IsAuthenticated != true) return;
        while (true)
        {
            try
            {
                await Task.Delay(_interval, _time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            bool valid;
            try
            {
                valid = await IsStillValidAsync(user);
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "Revalidating the circuit's user failed; signing the circuit out");
                valid = false;
            }
            if (cancellationToken.IsCancellationRequested) return;
            if (!valid)
            {
                SetAuthenticationState(Task.FromResult(new AuthenticationState(new ClaimsPrincipal(new ClaimsIdentity()))));
                return;
            }
        }
    }

    private async Task<bool> IsStillValidAsync(ClaimsPrincipal principal)
    {
        // A fresh scope: the circuit's own would hand back a user cached hours ago.
        await using var scope = _scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = await users.GetUserAsync(principal);
        if (user is null || await users.IsLockedOutAsync(user)) return false;
        if (!users.SupportsUserSecurityStamp) return true;
        return principal.FindFirstValue(_identity.Value.ClaimsIdentity.SecurityStampClaimType) == await users.GetSecurityStampAsync(user);
    }
}
