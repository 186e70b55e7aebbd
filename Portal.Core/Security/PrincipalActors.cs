using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Users;

namespace Portal.Core.Security;

/// <summary>
/// Turns a signed-in principal into an <see cref="Actor"/> by asking the database, not the cookie: a
/// demoted, locked or deleted user loses Admin powers at their next action, not when the cookie is next checked.
/// Each call reads through a fresh context, since a circuit's own would hold stale users for hours.
/// </summary>
/// <remarks>
/// One query for the user and their Admin role (the role's id is fixed by the migration that seeds it), not UserManager's
/// three (the user, the role, the membership): every page render asks this, and building a UserManager in a scope of its
/// own cost more than the queries.
/// </remarks>
public sealed class PrincipalActors(IDbContextFactory<PortalDbContext> contextFactory, IOptions<IdentityOptions> identity, TimeProvider time)
{
    public async Task<Actor> ResolveAsync(ClaimsPrincipal principal)
    {
        if (principal.Identity?.IsAuthenticated != true) return Actor.Anonymous;
        var name = principal.Identity.Name ?? "unknown";
        var id = principal.FindFirstValue(identity.Value.ClaimsIdentity.UserIdClaimType);
        if (id is null) return new Actor(null, name, false);

        await using var db = await contextFactory.CreateDbContextAsync();
        var user = await db.Users.AsNoTracking()
            .Where(u => u.Id == id)
            .Select(u => new
            {
                u.Email,
                u.LockoutEnd,
                IsAdmin = db.UserRoles.Any(r => r.UserId == u.Id && r.RoleId == PortalRoles.AdminRoleId),
            })
            .SingleOrDefaultAsync();
        if (user is null) return new Actor(null, name, false);
        var locked = user.LockoutEnd is { } end && end > time.GetUtcNow();
        return new Actor(id, user.Email ?? name, !locked && user.IsAdmin);
    }
}
