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

internal sealed class OutboxMessageConfiguration : IEntityTypeConfiguration<OutboxMessage>
{
    public void Configure(EntityTypeBuilder<OutboxMessage> b)
    {
        b.ToTable("ForwardingOutbox");
        // Claims, queue depth, delivered per minute and dead letters all read one application's rows of one state by time.
        b.HasIndex(m => new { m.ApplicationId, m.State, m.DueAt });
        // The Ingestion log's forward state of a message.
        b.HasIndex(m => new { m.ApplicationId, m.MessageId });
    }
}
