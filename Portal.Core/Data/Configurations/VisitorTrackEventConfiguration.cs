using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Events;
using Portal.Core.Visitors;

namespace Portal.Core.Data.Configurations;

internal sealed class VisitorTrackEventConfiguration : IEntityTypeConfiguration<VisitorTrackEvent>
{
    public void Configure(EntityTypeBuilder<VisitorTrackEvent> b)
    {
        // The SQLite migration creates this table WITHOUT ROWID: the key is the whole row, so one B-tree, not two.
        b.HasKey(e => new { e.ApplicationId, e.VisitorId, e.EventId });
    }
}

internal sealed class IndexWatermarkConfiguration : IEntityTypeConfiguration<IndexWatermark>
{
    public void Configure(EntityTypeBuilder<IndexWatermark> b)
    {
        b.HasKey(w => w.Name);
        b.Property(w => w.Name).HasMaxLength(64);
    }
}
