using Microsoft.EntityFrameworkCore;
using Portal.Core.Events;

namespace Portal.Core.Data.Postgres;

/// <summary>
/// The PostgreSQL flavour of <see cref="PortalDbContext"/>. Its migrations live beside it:
/// <c>dotnet ef migrations add NAME --project Portal.Core --startup-project Portal --context PostgresPortalDbContext --output-dir Data/Postgres/Migrations</c>
/// </summary>
public sealed class PostgresPortalDbContext(DbContextOptions<PostgresPortalDbContext> options) : PortalDbContext(options)
{
    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        // A visitor's track events straight from Events: PostgreSQL's B-tree takes the spread-out inserts well enough
        // that the deferred VisitorTrackEvents index SQLite needs is not used here (the table stays, empty).
        builder.Entity<SegmentEvent>()
            .HasIndex(e => new { e.ApplicationId, e.VisitorId, e.Id })
            .HasFilter("\"Type\" = 'track'")
            .HasDatabaseName("IX_Events_VisitorTrack");
    }
}
