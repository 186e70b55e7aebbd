using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Ingestion;

namespace Portal.Core.Data.Configurations;

internal sealed class IngestionLogEntryConfiguration : IEntityTypeConfiguration<IngestionLogEntry>
{
    public void Configure(EntityTypeBuilder<IngestionLogEntry> b)
    {
        b.HasIndex(e => new { e.ApplicationId, e.Id });
        b.HasIndex(e => e.ReceivedAt);
        b.Property(e => e.Source).HasMaxLength(16);
        b.Property(e => e.KeyHint).HasMaxLength(8);
    }
}
