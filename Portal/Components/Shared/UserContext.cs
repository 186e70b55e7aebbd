using Portal.Core.Users;
using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;

namespace Portal.Components.Shared;

/// <summary>Who is signed in to this circuit: the actor named in audit entries, and whether they are an Admin.</summary>
public sealed class UserContext(AuthenticationStateProvider authentication)
{
    public async Task<ClaimsPrincipal> GetPrincipalAsync() => (await authentication.GetAuthenticationStateAsync()).User;

    public async Task<string> GetNameAsync() => (await GetPrincipalAsync()).Identity?.Name ?? "unknown";

    public async Task<bool> IsAdminAsync() => (await GetPrincipalAsync()).IsInRole(PortalRoles.Admin);
}
