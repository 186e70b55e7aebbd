using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Accounts;
using Portal.Core.Applications;
using Portal.Core.Audit;
using Portal.Core.Events;
using Portal.Core.Forwarding;
using Portal.Core.Ingestion;
using Portal.Core.Metadata;
using Portal.Core.Users;
using Portal.Core.Visitors;

namespace Portal.Core.Data;

/// <summary>
/// Portal's data: Identity plus the domain. Each database provider derives its own context type so
/// each keeps its own migrations (see <see cref="Sqlite.SqlitePortalDbContext"/>); call sites only
/// ever see this base type.
/// </summary>
public abstract class PortalDbContext(DbContextOptions options)
    : IdentityDbContext<PortalUser, IdentityRole, string>(options), IDataProtectionKeyContext
{
    public DbSet<Application> Applications => Set<Application>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<Visitor> Visitors => Set<Visitor>();
    public DbSet<VisitorAccount> VisitorAccounts => Set<VisitorAccount>();
    public DbSet<Account> Accounts => Set<Account>();
    public DbSet<SegmentEvent> Events => Set<SegmentEvent>();
    public DbSet<VisitorTrackEvent> VisitorTrackEvents => Set<VisitorTrackEvent>();
    public DbSet<IndexWatermark> IndexWatermarks => Set<IndexWatermark>();
    public DbSet<MetadataField> MetadataFields => Set<MetadataField>();
    public DbSet<MetadataFieldOverflow> MetadataFieldOverflows => Set<MetadataFieldOverflow>();
    public DbSet<Metadata.Custom.CustomField> CustomFields => Set<Metadata.Custom.CustomField>();
    public DbSet<Metadata.Custom.CustomValue> CustomValues => Set<Metadata.Custom.CustomValue>();
    public DbSet<IngestionLogEntry> IngestionLog => Set<IngestionLogEntry>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<ForwardingSettings> ForwardingSettings => Set<ForwardingSettings>();
    public DbSet<OutboxEntry> ForwardingOutbox => Set<OutboxEntry>();
    public DbSet<ForwardingDelivery> ForwardingDeliveries => Set<ForwardingDelivery>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(PortalDbContext).Assembly);
    }
}
