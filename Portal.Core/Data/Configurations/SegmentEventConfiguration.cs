using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Events;

namespace Portal.Core.Data.Configurations;

internal sealed class SegmentEventConfiguration : IEntityTypeConfiguration<SegmentEvent>
{
    public void Configure(EntityTypeBuilder<SegmentEvent> b)
    {
        b.ToTable("Events");
        // The idempotency key: a resent message is stored once.
        b.HasIndex(e => new { e.ApplicationId, e.MessageId }).IsUnique();
        b.HasIndex(e => new { e.ApplicationId, e.Type, e.Name, e.Id });
        b.Property(e => e.Type).HasMaxLength(16);
        b.Property(e => e.GroupType).HasMaxLength(16);
    }
}
