using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Applications;

namespace Portal.Core.Data.Configurations;

internal sealed class ApplicationConfiguration : IEntityTypeConfiguration<Application>
{
    public void Configure(EntityTypeBuilder<Application> b)
    {
        b.Property(a => a.Name).HasMaxLength(200);
        b.Property(a => a.Description).HasMaxLength(2000);
        b.Property(a => a.Region).HasMaxLength(50);
        b.HasIndex(a => a.Name);
        b.HasMany(a => a.Keys).WithOne(k => k.Application).HasForeignKey(k => k.ApplicationId).OnDelete(DeleteBehavior.Cascade);
        b.Ignore(a => a.IsArchived);
    }
}
