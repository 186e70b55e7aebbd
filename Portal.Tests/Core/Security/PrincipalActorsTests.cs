using System.Security.Claims;
using Portal.Core.Applications;
using Portal.Core.Security;
using Portal.Core.Users;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Core.Security;

/// <summary>The web app's current user is whatever the database says now, not what the sign-in cookie said then.</summary>
public sealed class PrincipalActorsTests : CoreTestBase
{
    [Fact]
    public async Task ADemotedAdminLosesAdminPowersAtTheirNextAction()
    {
        var principal = await SignedInAsync("boss@portal.test", PortalRoles.Admin);
        Assert.True((await Get<PrincipalActors>().ResolveAsync(principal)).IsAdmin);

        Assert.True((await Get<UserAdminService>().ChangeRoleAsync(principal.FindFirstValue(ClaimTypes.NameIdentifier)!, PortalRoles.Viewer)).Succeeded);

        var actor = await Get<PrincipalActors>().ResolveAsync(principal);
        Assert.False(actor.IsAdmin);
        Assert.Equal("boss@portal.test", actor.Name);
    }

    [Fact]
    public async Task ALockedAdminIsNoAdmin()
    {
        var principal = await SignedInAsync("boss@portal.test", PortalRoles.Admin);

        Assert.True((await Get<UserAdminService>().SetLockedAsync(principal.FindFirstValue(ClaimTypes.NameIdentifier)!, true)).Succeeded);

        Assert.False((await Get<PrincipalActors>().ResolveAsync(principal)).IsAdmin);
    }

    [Fact]
    public async Task ARoleClaimInTheCookieDoesNotMakeAViewerAnAdmin()
    {
        var principal = await SignedInAsync("viewer@portal.test", PortalRoles.Viewer);
        ((ClaimsIdentity)principal.Identity!).AddClaim(new Claim(ClaimTypes.Role, PortalRoles.Admin));

        Assert.False((await Get<PrincipalActors>().ResolveAsync(principal)).IsAdmin);
    }

    [Fact]
    public async Task AnUnknownOrAnonymousPrincipalIsNoAdmin()
    {
        var stranger = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "nobody"), new Claim(ClaimTypes.Name, "x")], "test"));

        Assert.False((await Get<PrincipalActors>().ResolveAsync(stranger)).IsAdmin);
        Assert.Equal(Actor.Anonymous, await Get<PrincipalActors>().ResolveAsync(new ClaimsPrincipal()));
    }

    [Fact]
    public async Task AServiceActsAsTheScopesUserAndAuditsThem()
    {
        var boss = new Actor("b", "boss@portal.test", IsAdmin: true);

        await GetAs<ApplicationService>(boss).CreateAsync("Shop");

        var entry = Assert.Single((await Get<Portal.Core.Audit.AuditSearch>().SearchAsync(null, null, 0, 10)).Entries);
        Assert.Equal("boss@portal.test", entry.User);
    }

    private async Task<ClaimsPrincipal> SignedInAsync(string email, string role)
    {
        Assert.True((await Get<UserAdminService>().CreateAsync(email, PortalAppFactory.Password, role)).Succeeded);
        // Another Admin, so demoting or locking this one is allowed.
        await Get<UserAdminService>().CreateAsync("spare@portal.test", PortalAppFactory.Password, PortalRoles.Admin);
        var user = (await Get<UserAdminService>().ListAsync()).Single(u => u.Email == email);
        return new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, user.Id), new Claim(ClaimTypes.Name, email), new Claim(ClaimTypes.Role, role)], "Identity.Application"));
    }
}
