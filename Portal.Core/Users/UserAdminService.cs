using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Security;

namespace Portal.Core.Users;

/// <summary>
/// User administration, for Admins only, with the rule that the portal never loses its last Admin.
/// Each call runs in its own scope: a Blazor circuit lives for hours and must not hold a stale UserManager.
/// </summary>
public sealed class UserAdminService(ICurrentUser currentUser, IServiceScopeFactory scopes, AuditLog audit, TimeProvider time)
{
    public async Task<IReadOnlyList<UserSummary>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var admins = (await users.GetUsersInRoleAsync(PortalRoles.Admin)).Select(u => u.Id).ToHashSet();
        var now = time.GetUtcNow();
        var all = await users.Users.AsNoTracking().ToListAsync(cancellationToken);
        return all
            .OrderBy(u => u.Email, StringComparer.OrdinalIgnoreCase)
            .Select(u => new UserSummary(u.Id, u.Email ?? u.UserName ?? u.Id,
                admins.Contains(u.Id) ? PortalRoles.Admin : PortalRoles.Viewer,
                u.LockoutEnd is { } end && end > now, u.LockoutEnd, u.CreatedAt))
            .ToList();
    }

    public async Task<OperationResult> CreateAsync(string email, string password, string role, CancellationToken cancellationToken = default)
    {
        if (await currentUser.AdminAsync(cancellationToken) is not { } actor) return OperationResult.Fail(CurrentUserExtensions.AdminOnly);
        if (!PortalRoles.All.Contains(role)) return OperationResult.Fail($"Unknown role '{role}'. Use Admin or Viewer.");
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var result = await CreateUserAsync(users, email, password, role, time.GetUtcNow());
        if (!result.Succeeded) return result;
        await audit.RecordAsync(actor.Name, AuditActions.UserCreated, email, $"role {role}", cancellationToken);
        return result;
    }

    public async Task<OperationResult> ChangeRoleAsync(string userId, string role, CancellationToken cancellationToken = default)
    {
        if (await currentUser.AdminAsync(cancellationToken) is not { } actor) return OperationResult.Fail(CurrentUserExtensions.AdminOnly);
        if (!PortalRoles.All.Contains(role)) return OperationResult.Fail($"Unknown role '{role}'.");
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = await users.FindByIdAsync(userId);
        if (user is null) return OperationResult.Fail("That user no longer exists.");
        var isAdmin = await users.IsInRoleAsync(user, PortalRoles.Admin);
        if (role == PortalRoles.Admin == isAdmin) return OperationResult.Success;
        if (isAdmin && await IsLastActiveAdminAsync(users, user))
            return OperationResult.Fail("This is the last Admin: make another user Admin first.");

        var removed = await users.RemoveFromRolesAsync(user, PortalRoles.All.Where(r => r != role));
        var added = removed.Succeeded ? await users.AddToRoleAsync(user, role) : removed;
        if (!added.Succeeded) return OperationResult.Fail(Describe(added));
        // A new stamp signs the user's sessions out so the new role takes effect everywhere.
        await users.UpdateSecurityStampAsync(user);
        await audit.RecordAsync(actor.Name, AuditActions.UserRoleChanged, user.Email ?? userId, $"role {role}", cancellationToken);
        return OperationResult.Success;
    }

    public async Task<OperationResult> SetLockedAsync(string userId, bool locked, CancellationToken cancellationToken = default)
    {
        if (await currentUser.AdminAsync(cancellationToken) is not { } actor) return OperationResult.Fail(CurrentUserExtensions.AdminOnly);
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = await users.FindByIdAsync(userId);
        if (user is null) return OperationResult.Fail("That user no longer exists.");
        if (locked && await users.IsInRoleAsync(user, PortalRoles.Admin) && await IsLastActiveAdminAsync(users, user))
            return OperationResult.Fail("This is the last Admin: it cannot be locked.");

        await users.SetLockoutEnabledAsync(user, true);
        var result = await users.SetLockoutEndDateAsync(user, locked ? DateTimeOffset.MaxValue : null);
        if (!result.Succeeded) return OperationResult.Fail(Describe(result));
        if (locked) await users.UpdateSecurityStampAsync(user);
        else await users.ResetAccessFailedCountAsync(user);
        await audit.RecordAsync(actor.Name, locked ? AuditActions.UserLocked : AuditActions.UserUnlocked, user.Email ?? userId, null, cancellationToken);
        return OperationResult.Success;
    }

    /// <summary>
    /// Lifts any lock on the account with this email: an Admin's lock, a two-factor lockout, and (through a new
    /// security stamp) the per-address sign-in throttles that running servers keep for it. For the CLI, where
    /// a locked-out last Admin has no other way back.
    /// </summary>
    public async Task<OperationResult> UnlockByEmailAsync(string email, CancellationToken cancellationToken = default)
    {
        if (await currentUser.AdminAsync(cancellationToken) is not { } actor) return OperationResult.Fail(CurrentUserExtensions.AdminOnly);
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = await users.FindByEmailAsync(email);
        if (user is null) return OperationResult.Fail($"No user has the email '{email}'.");
        var result = await users.SetLockoutEndDateAsync(user, null);
        if (result.Succeeded) result = await users.ResetAccessFailedCountAsync(user);
        if (result.Succeeded) result = await users.UpdateSecurityStampAsync(user);
        if (!result.Succeeded) return OperationResult.Fail(Describe(result));
        await audit.RecordAsync(actor.Name, AuditActions.UserUnlocked, user.Email ?? email, null, cancellationToken);
        return OperationResult.Success;
    }

    public async Task<OperationResult> ResetPasswordAsync(string userId, string newPassword, CancellationToken cancellationToken = default)
    {
        if (await currentUser.AdminAsync(cancellationToken) is not { } actor) return OperationResult.Fail(CurrentUserExtensions.AdminOnly);
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = await users.FindByIdAsync(userId);
        if (user is null) return OperationResult.Fail("That user no longer exists.");
        // Validate before removing the old password so a weak new one leaves the account as it was.
        foreach (var validator in users.PasswordValidators)
        {
            var valid = await validator.ValidateAsync(users, user, newPassword);
            if (!valid.Succeeded) return OperationResult.Fail(Describe(valid));
        }
        var result = await users.RemovePasswordAsync(user);
        if (result.Succeeded) result = await users.AddPasswordAsync(user, newPassword);
        if (!result.Succeeded) return OperationResult.Fail(Describe(result));
        await users.UpdateSecurityStampAsync(user);
        await audit.RecordAsync(actor.Name, AuditActions.UserPasswordReset, user.Email ?? userId, null, cancellationToken);
        return OperationResult.Success;
    }

    internal static async Task<OperationResult> CreateUserAsync(UserManager<PortalUser> users, string email, string password, string role, DateTimeOffset now)
    {
        var user = new PortalUser { UserName = email, Email = email, EmailConfirmed = true, CreatedAt = now, LockoutEnabled = true };
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded) return OperationResult.Fail(Describe(created));
        var inRole = await users.AddToRoleAsync(user, role);
        if (!inRole.Succeeded)
        {
            await users.DeleteAsync(user);
            return OperationResult.Fail(Describe(inRole));
        }
        return OperationResult.Success;
    }

    private async Task<bool> IsLastActiveAdminAsync(UserManager<PortalUser> users, PortalUser user)
    {
        var now = time.GetUtcNow();
        var activeAdmins = (await users.GetUsersInRoleAsync(PortalRoles.Admin))
            .Where(a => a.LockoutEnd is null || a.LockoutEnd <= now);
        return activeAdmins.All(a => a.Id == user.Id);
    }

    /// <summary>
    /// Identity's errors as one message. The user name is the email, so a taken email fails twice
    /// (DuplicateUserName and DuplicateEmail): said once.
    /// </summary>
    internal static string Describe(IdentityResult result)
    {
        var errors = result.Errors.ToList();
        if (errors.Any(e => e.Code == nameof(IdentityErrorDescriber.DuplicateEmail)))
            errors.RemoveAll(e => e.Code == nameof(IdentityErrorDescriber.DuplicateUserName));
        return string.Join(" ", errors.Select(e => e.Description));
    }
}
