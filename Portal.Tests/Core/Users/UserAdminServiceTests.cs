using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Users;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Core.Users;

public class UserAdminServiceTests : CoreTestBase
{
    private const string Password = PortalAppFactory.Password;

    private UserAdminService Users => Get<UserAdminService>();

    private async Task<UserSummary> CreateAsync(string email, string role)
    {
        var result = await Users.CreateAsync(email, Password, role);
        Assert.True(result.Succeeded, result.Error);
        return (await Users.ListAsync()).Single(u => u.Email == email);
    }

    [Fact]
    public async Task TheLastAdminCannotBeDemoted()
    {
        var admin = await CreateAsync("only@portal.test", PortalRoles.Admin);

        var result = await Users.ChangeRoleAsync(admin.Id, PortalRoles.Viewer);

        Assert.False(result.Succeeded);
        Assert.Contains("last Admin", result.Error);
        Assert.Equal(PortalRoles.Admin, (await Users.ListAsync()).Single().Role);
    }

    [Fact]
    public async Task TheLastAdminCannotBeLocked()
    {
        var admin = await CreateAsync("only@portal.test", PortalRoles.Admin);

        var result = await Users.SetLockedAsync(admin.Id, locked: true);

        Assert.False(result.Succeeded);
        Assert.False((await Users.ListAsync()).Single().IsLockedOut);
    }

    [Fact]
    public async Task AnAdminCanBeDemotedWhenAnotherAdminRemains()
    {
        var first = await CreateAsync("first@portal.test", PortalRoles.Admin);
        await CreateAsync("second@portal.test", PortalRoles.Admin);

        var result = await Users.ChangeRoleAsync(first.Id, PortalRoles.Viewer);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(PortalRoles.Viewer, (await Users.ListAsync()).Single(u => u.Id == first.Id).Role);
    }

    [Fact]
    public async Task ALockedAdminDoesNotCountAsTheRemainingAdmin()
    {
        var first = await CreateAsync("first@portal.test", PortalRoles.Admin);
        var second = await CreateAsync("second@portal.test", PortalRoles.Admin);
        Assert.True((await Users.SetLockedAsync(second.Id, locked: true)).Succeeded);

        var result = await Users.ChangeRoleAsync(first.Id, PortalRoles.Viewer);

        Assert.False(result.Succeeded);
    }

    [Fact]
    public async Task LockingAndUnlockingAViewerIsReflectedInTheList()
    {
        await CreateAsync("admin@portal.test", PortalRoles.Admin);
        var viewer = await CreateAsync("viewer@portal.test", PortalRoles.Viewer);

        Assert.True((await Users.SetLockedAsync(viewer.Id, locked: true)).Succeeded);
        Assert.True((await Users.ListAsync()).Single(u => u.Id == viewer.Id).IsLockedOut);

        Assert.True((await Users.SetLockedAsync(viewer.Id, locked: false)).Succeeded);
        Assert.False((await Users.ListAsync()).Single(u => u.Id == viewer.Id).IsLockedOut);
    }

    [Fact]
    public async Task AShortPasswordIsRefusedWithTheReason()
    {
        var result = await Users.CreateAsync("short@portal.test", "tooshort", PortalRoles.Viewer);

        Assert.False(result.Succeeded);
        Assert.Contains("12", result.Error);
        Assert.Empty(await Users.ListAsync());
    }

    [Fact]
    public async Task AWeakResetPasswordLeavesTheOldPasswordInPlace()
    {
        var viewer = await CreateAsync("viewer@portal.test", PortalRoles.Viewer);

        var result = await Users.ResetPasswordAsync(viewer.Id, "weak");

        Assert.False(result.Succeeded);
        await using var scope = Services.CreateAsyncScope();
        var manager = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<PortalUser>>();
        var user = await manager.FindByIdAsync(viewer.Id);
        Assert.True(await manager.CheckPasswordAsync(user!, Password));
    }

    [Fact]
    public async Task UserChangesAreAudited()
    {
        var viewer = await CreateAsync("viewer@portal.test", PortalRoles.Viewer);
        await CreateAsync("admin@portal.test", PortalRoles.Admin);
        await Users.ChangeRoleAsync(viewer.Id, PortalRoles.Admin);

        await using var db = await Get<Microsoft.EntityFrameworkCore.IDbContextFactory<Portal.Core.Data.PortalDbContext>>().CreateDbContextAsync();
        var actions = db.AuditEntries.OrderBy(e => e.Id).Select(e => e.Action).ToList();
        Assert.Equal(["user.created", "user.created", "user.role-changed"], actions);
    }

    [Fact]
    public async Task ATakenEmailIsReportedOnce()
    {
        await CreateAsync("taken@portal.test", PortalRoles.Viewer);

        var result = await Users.CreateAsync("taken@portal.test", Password, PortalRoles.Viewer);

        Assert.False(result.Succeeded);
        Assert.Equal("Email 'taken@portal.test' is already taken.", result.Error);
    }
}

/// <summary>The same suite on PostgreSQL.</summary>
public sealed class UserAdminServiceTestsOnPostgres : UserAdminServiceTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
