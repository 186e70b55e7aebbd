using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Data;

namespace Portal.Core.Users;

/// <summary>
/// Knows whether the portal still needs its first Admin, and creates that Admin exactly once.
/// Once a user exists the answer never changes back, so it is cached for the life of the process.
/// </summary>
public sealed class FirstRunService(IServiceScopeFactory scopes, IDbContextFactory<PortalDbContext> contextFactory, AuditLog audit, TimeProvider time)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile bool _hasUsers;

    public async ValueTask<bool> NeedsSetupAsync(CancellationToken cancellationToken = default)
    {
        if (_hasUsers) return false;
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        _hasUsers = await db.Users.AnyAsync(cancellationToken);
        return !_hasUsers;
    }

    /// <summary>Creates the first Admin; refused once any user exists (so the setup form cannot be replayed).</summary>
    public async Task<OperationResult> CreateFirstAdminAsync(string email, string password, string actor, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!await NeedsSetupAsync(cancellationToken)) return OperationResult.Fail("Portal is already set up.");
            await using var scope = scopes.CreateAsyncScope();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
            var result = await UserAdminService.CreateUserAsync(users, email, password, PortalRoles.Admin, time.GetUtcNow());
            if (!result.Succeeded) return result;
            _hasUsers = true;
            await audit.RecordAsync(actor, AuditActions.UserCreated, email, "first Admin", cancellationToken);
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }
}
