using Portal.Core.Users;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Core.Users;

public sealed class FirstRunServiceTests : CoreTestBase
{
    [Fact]
    public async Task AnEmptyDatabaseNeedsSetup()
    {
        Assert.True(await Get<FirstRunService>().NeedsSetupAsync());
    }

    [Fact]
    public async Task TheFirstAdminIsCreatedOnceAndSetupCannotBeReplayed()
    {
        var firstRun = Get<FirstRunService>();

        var first = await firstRun.CreateFirstAdminAsync("first@portal.test", PortalAppFactory.Password, "setup");
        var replay = await firstRun.CreateFirstAdminAsync("intruder@portal.test", PortalAppFactory.Password, "setup");

        Assert.True(first.Succeeded, first.Error);
        Assert.False(replay.Succeeded);
        Assert.False(await firstRun.NeedsSetupAsync());
        var users = await Get<UserAdminService>().ListAsync();
        Assert.Equal("first@portal.test", Assert.Single(users).Email);
        Assert.Equal(PortalRoles.Admin, users[0].Role);
    }

    [Fact]
    public async Task ConcurrentSetupsCreateExactlyOneAdmin()
    {
        var firstRun = Get<FirstRunService>();

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            firstRun.CreateFirstAdminAsync($"admin{i}@portal.test", PortalAppFactory.Password, "setup")));

        Assert.Single(results, r => r.Succeeded);
        Assert.Single(await Get<UserAdminService>().ListAsync());
    }
}
