using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Applications;

namespace Portal.Core.Data.Configurations;

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> b)
    {
        b.Property(k => k.Hash).HasMaxLength(32);
        b.HasIndex(k => k.Hash).IsUnique();
        b.Property(k => k.Hint).HasMaxLength(8);
        b.Property(k => k.Label).HasMaxLength(200);
        b.Property(k => k.CreatedBy).HasMaxLength(256);
    }
}
