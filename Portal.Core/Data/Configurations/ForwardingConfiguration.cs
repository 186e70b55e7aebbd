using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Applications;
using Portal.Core.Forwarding;

namespace Portal.Core.Data.Configurations;

internal sealed class ForwardingSettingsConfiguration : IEntityTypeConfiguration<ForwardingSettings>
{
    public void Configure(EntityTypeBuilder<ForwardingSettings> b)
    {
        b.HasKey(f => f.ApplicationId);
        b.HasOne<Application>().WithOne().HasForeignKey<ForwardingSettings>(f => f.ApplicationId).OnDelete(DeleteBehavior.Cascade);
        b.Property(f => f.Region).HasMaxLength(64);
        b.Property(f => f.KeyHint).HasMaxLength(8);
    }
}

internal sealed class OutboxEntryConfiguration : IEntityTypeConfiguration<OutboxEntry>
{
    public void Configure(EntityTypeBuilder<OutboxEntry> b)
    {
        b.ToTable("ForwardingOutbox");
        // Claims, queue depth and dead letters all read one application's entries of one state by time. No index on messageIds:
        // an entry holds many, and the few lookups by messageId (the Ingestion log, erasure) read the small outbox instead.
        b.HasIndex(m => new { m.ApplicationId, m.State, m.DueAt });
    }
}

internal sealed class ForwardingDeliveryConfiguration : IEntityTypeConfiguration<ForwardingDelivery>
{
    public void Configure(EntityTypeBuilder<ForwardingDelivery> b)
    {
        b.ToTable("ForwardingDeliveries");
        // The figures sum one application's recent rows.
        b.HasIndex(d => new { d.ApplicationId, d.DeliveredAt });
    }
}
