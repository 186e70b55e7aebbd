using Microsoft.AspNetCore.Identity;

namespace Portal.Core.Users;

public sealed class PortalUser : IdentityUser
{
    public DateTimeOffset CreatedAt { get; set; }
}
