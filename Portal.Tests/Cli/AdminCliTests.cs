using Microsoft.Extensions.DependencyInjection;
using Portal.Cli;
using Portal.Core.Users;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Cli;

public sealed class AdminCliTests : IDisposable
{
    private readonly PortalAppFactory _portal = new();

    private Task<(int Exit, string Output, string Error)> RunAsync(params string[] args) => _portal.RunCliAsync(args);

    [Fact]
    public async Task CreateUserMakesTheFirstAdminOnANewDatabase()
    {
        var (exit, output, _) = await RunAsync("admin", "create-user", "--email", "ops@portal.test", "--password", PortalAppFactory.Password, "--role", "Admin");

        Assert.Equal(0, exit);
        Assert.Contains("Created Admin ops@portal.test", output);
        var user = Assert.Single(await _portal.Admin<UserAdminService>().ListAsync());
        Assert.Equal(PortalRoles.Admin, user.Role);
        Assert.False(await _portal.Services.GetRequiredService<FirstRunService>().NeedsSetupAsync());
    }

    [Fact]
    public async Task AWeakPasswordFailsWithAMessageAndExitCodeOne()
    {
        var (exit, _, error) = await RunAsync("admin", "create-user", "--email", "ops@portal.test", "--password", "short");

        Assert.Equal(1, exit);
        Assert.Contains("error:", error);
        Assert.Empty(await _portal.Admin<UserAdminService>().ListAsync());
    }

    [Fact]
    public async Task AnUnknownRoleIsAUsageError()
    {
        var (exit, _, error) = await RunAsync("admin", "create-user", "--email", "ops@portal.test", "--password", PortalAppFactory.Password, "--role", "Owner");

        Assert.NotEqual(0, exit);
        Assert.Contains("Owner", error);
    }

    [Fact]
    public async Task ADuplicateEmailIsRefused()
    {
        await RunAsync("admin", "create-user", "--email", "ops@portal.test", "--password", PortalAppFactory.Password);

        var (exit, _, error) = await RunAsync("admin", "create-user", "--email", "ops@portal.test", "--password", PortalAppFactory.Password);

        Assert.Equal(1, exit);
        Assert.Contains("already taken", error);
    }

    [Fact]
    public async Task UnlockLiftsAnAdminsLockAndTheFailedCount()
    {
        await RunAsync("admin", "create-user", "--email", "ops@portal.test", "--password", PortalAppFactory.Password);
        await RunAsync("admin", "create-user", "--email", "viewer@portal.test", "--password", PortalAppFactory.Password, "--role", "Viewer");
        var users = _portal.Admin<UserAdminService>();
        var viewer = (await users.ListAsync()).Single(u => u.Email == "viewer@portal.test");
        Assert.True((await users.SetLockedAsync(viewer.Id, locked: true)).Succeeded);

        var (exit, output, _) = await RunAsync("admin", "unlock", "--email", "viewer@portal.test");

        Assert.Equal(0, exit);
        Assert.Contains("Unlocked viewer@portal.test", output);
        Assert.False((await users.ListAsync()).Single(u => u.Id == viewer.Id).IsLockedOut);
    }

    [Fact]
    public async Task UnlockOfAnUnknownEmailExitsOne()
    {
        var (exit, _, error) = await RunAsync("admin", "unlock", "--email", "nobody@portal.test");

        Assert.Equal(1, exit);
        Assert.Contains("nobody@portal.test", error);
    }

    [Fact]
    public async Task UnlockWithoutAnEmailIsAUsageError()
    {
        var (exit, _, error) = await RunAsync("admin", "unlock");

        Assert.NotEqual(0, exit);
        Assert.Contains("--email", error);
    }

    public void Dispose() => _portal.Dispose();
}
