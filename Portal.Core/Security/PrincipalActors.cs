using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Users;

namespace Portal.Core.Security;

/// <summary>
/// Turns a signed-in principal into an <see cref="Actor"/> by asking the database, not the cookie: a
/// demoted, locked or deleted user loses Admin powers at their next action, not when the cookie is next checked.
/// Each call reads through a fresh scope, since a circuit's own would hold stale users for hours.
/// </summary>
public sealed class PrincipalActors(IServiceScopeFactory scopes, TimeProvider time)
{
    public async Task<Actor> ResolveAsync(ClaimsPrincipal principal)
    {
        if (principal.Identity?.IsAuthenticated != true) return Actor.Anonymous;
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = await users.GetUserAsync(principal);
        var name = principal.Identity.Name ?? "unknown";
        if (user is null) return new Actor(null, name, false);
        var locked = user.LockoutEnd is { } end && end > time.GetUtcNow();
        var isAdmin = !locked && await users.IsInRoleAsync(user, PortalRoles.Admin);
        return new Actor(user.Id, user.Email ?? name, isAdmin);
    }
}
