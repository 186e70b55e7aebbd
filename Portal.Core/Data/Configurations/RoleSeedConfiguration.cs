using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Users;

namespace Portal.Core.Data.Configurations;

/// <summary>The two roles exist from the first migration on; nothing at start-up has to create them.</summary>
internal sealed class RoleSeedConfiguration : IEntityTypeConfiguration<IdentityRole>
{
    public void Configure(EntityTypeBuilder<IdentityRole> b)
    {
        b.HasData(
            new IdentityRole { Id = PortalRoles.AdminRoleId, Name = PortalRoles.Admin, NormalizedName = "ADMIN", ConcurrencyStamp = PortalRoles.AdminRoleId },
            new IdentityRole { Id = PortalRoles.ViewerRoleId, Name = PortalRoles.Viewer, NormalizedName = "VIEWER", ConcurrencyStamp = PortalRoles.ViewerRoleId });
    }
}
