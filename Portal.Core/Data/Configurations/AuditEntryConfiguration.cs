using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Audit;

namespace Portal.Core.Data.Configurations;

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> b)
    {
        b.HasIndex(e => e.At);
        b.HasIndex(e => new { e.Action, e.At });
        b.Property(e => e.User).HasMaxLength(256);
        b.Property(e => e.Action).HasMaxLength(64);
        b.Property(e => e.Target).HasMaxLength(512);
    }
}
