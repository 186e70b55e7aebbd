using Microsoft.AspNetCore.Components.Authorization;
using Portal.Core.Security;

namespace Portal.Security;

/// <summary>
/// The web app's current user: the circuit's (or the statically rendered request's) signed-in principal,
/// checked against the database by <see cref="PrincipalActors"/>. A scope opened for a fixed actor wins.
/// </summary>
internal sealed class SignedInCurrentUser(
    ActorScope scope,
    AuthenticationStateProvider authentication,
    IHttpContextAccessor http,
    PrincipalActors actors) : ICurrentUser
{
    public async Task<Actor> GetAsync(CancellationToken cancellationToken = default)
    {
        if (scope.Actor is { } fixedActor) return fixedActor;
        return await actors.ResolveAsync(await PrincipalAsync());
    }

    private async Task<System.Security.Claims.ClaimsPrincipal> PrincipalAsync()
    {
        try
        {
            return (await authentication.GetAuthenticationStateAsync()).User;
        }
        catch (InvalidOperationException)
        {
            // Outside a component render (a plain endpoint) Blazor has not set the state: use the request's user.
            return http.HttpContext?.User ?? new System.Security.Claims.ClaimsPrincipal();
        }
    }
}
