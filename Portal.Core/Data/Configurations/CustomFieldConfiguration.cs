using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Metadata.Custom;

namespace Portal.Core.Data.Configurations;

internal sealed class CustomFieldConfiguration : IEntityTypeConfiguration<CustomField>
{
    public void Configure(EntityTypeBuilder<CustomField> b)
    {
        b.HasIndex(f => new { f.ApplicationId, f.Kind, f.Name }).IsUnique();
        b.Property(f => f.Name).HasMaxLength(256);
    }
}

internal sealed class CustomValueConfiguration : IEntityTypeConfiguration<CustomValue>
{
    public void Configure(EntityTypeBuilder<CustomValue> b)
    {
        // Kept apart from MetadataJson, which only the ingestion writer rewrites: setting a value never races a batch.
        b.HasKey(v => new { v.ApplicationId, v.Kind, v.EntityId, v.FieldName });
        b.Property(v => v.FieldName).HasMaxLength(256);
    }
}
