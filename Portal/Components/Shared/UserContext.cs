using Portal.Core.Security;

namespace Portal.Components.Shared;

/// <summary>
/// What pages show for the signed-in user. Pages only hide what Core would refuse anyway: <see cref="IsAdminAsync"/>
/// asks the same <see cref="ICurrentUser"/> the services check.
/// </summary>
public sealed class UserContext(ICurrentUser currentUser)
{
    public async Task<bool> IsAdminAsync() => (await currentUser.GetAsync()).IsAdmin;
}
