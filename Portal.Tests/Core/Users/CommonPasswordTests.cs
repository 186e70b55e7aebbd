using Portal.Core.Users;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Core.Users;

public sealed class CommonPasswordTests : CoreTestBase
{
    private UserAdminService Users => Get<UserAdminService>();

    [Fact]
    public void TheEmbeddedListHoldsTenThousandPasswords() => Assert.Equal(10_000, CommonPasswordValidator.Count);

    [Theory]
    [InlineData("qwerty123456")]
    [InlineData("Password1234")]
    [InlineData("1QAZ2WSX3EDC")]
    public async Task ACommonPasswordIsRefusedWhateverItsCase(string password)
    {
        var result = await Users.CreateAsync("ops@portal.test", password, PortalRoles.Admin);

        Assert.False(result.Succeeded);
        Assert.Contains("commonly used", result.Error);
        Assert.Empty(await Users.ListAsync());
    }

    [Fact]
    public async Task AnUncommonPassphraseIsAccepted()
    {
        var result = await Users.CreateAsync("ops@portal.test", "violet-kettle-under-rain", PortalRoles.Admin);

        Assert.True(result.Succeeded, result.Error);
    }
}
