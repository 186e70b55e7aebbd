using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Metadata;

namespace Portal.Core.Data.Configurations;

internal sealed class MetadataFieldConfiguration : IEntityTypeConfiguration<MetadataField>
{
    public void Configure(EntityTypeBuilder<MetadataField> b)
    {
        b.HasIndex(f => new { f.ApplicationId, f.Kind, f.GroupType, f.EventName, f.Name }).IsUnique();
        b.Property(f => f.Name).HasMaxLength(256);
        b.Property(f => f.EventName).HasMaxLength(256);
        b.Property(f => f.GroupType).HasMaxLength(16);
        b.Property(f => f.DisplayName).HasMaxLength(256);
        b.Ignore(f => f.EffectiveType);
        b.Ignore(f => f.HasTypeConflict);
    }
}

internal sealed class MetadataFieldOverflowConfiguration : IEntityTypeConfiguration<MetadataFieldOverflow>
{
    public void Configure(EntityTypeBuilder<MetadataFieldOverflow> b)
    {
        b.HasKey(o => new { o.ApplicationId, o.Kind, o.GroupType });
        b.Property(o => o.GroupType).HasMaxLength(16);
    }
}
