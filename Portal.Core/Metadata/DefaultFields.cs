using Microsoft.EntityFrameworkCore;
using Portal.Core.Common;
using Portal.Core.Data;

namespace Portal.Core.Metadata;

/// <summary>
/// Pendo's default metadata, computed by Portal: the ingestion writer keeps the counters on each visitor and
/// account row (one upsert per entity per commit); this class names the fields, shows them and catalogues them.
/// </summary>
public static class DefaultFields
{
    public const string FirstVisit = "firstVisit";
    public const string LastVisit = "lastVisit";
    public const string DaysActive = "daysActive";
    public const string NumberOfEvents = "numberOfEvents";
    public const string NumberOfVisitors = "numberOfVisitors";

    public static IReadOnlyList<(string Name, FieldType Type)> For(FieldKind kind) => kind switch
    {
        FieldKind.Visitor => [(FirstVisit, FieldType.Date), (LastVisit, FieldType.Date), (DaysActive, FieldType.Integer), (NumberOfEvents, FieldType.Integer)],
        FieldKind.Account => [(FirstVisit, FieldType.Date), (LastVisit, FieldType.Date), (DaysActive, FieldType.Integer), (NumberOfEvents, FieldType.Integer),
            (NumberOfVisitors, FieldType.Integer)],
        _ => [],
    };

    /// <summary>The UTC day a time falls on, as the writer counts days active.</summary>
    public static int Day(DateTimeOffset at) => (int)(at.UtcTicks / TimeSpan.TicksPerDay);

    /// <summary>The "default" group for a visitor's or account's page.</summary>
    public static MetadataGroup Group(DateTimeOffset firstVisit, DateTimeOffset lastVisit, int daysActive, long events, int? visitors = null)
    {
        var values = new List<MetadataValue>
        {
            new(FirstVisit, firstVisit.ToString("O"), FieldType.Date, null),
            new(LastVisit, lastVisit.ToString("O"), FieldType.Date, null),
            new(DaysActive, daysActive.ToString(System.Globalization.CultureInfo.InvariantCulture), FieldType.Integer, null),
            new(NumberOfEvents, events.ToString(System.Globalization.CultureInfo.InvariantCulture), FieldType.Integer, null),
        };
        if (visitors is { } v) values.Add(new(NumberOfVisitors, v.ToString(System.Globalization.CultureInfo.InvariantCulture), FieldType.Integer, null));
        return new MetadataGroup(GroupTypes.Default, values);
    }

    /// <summary>
    /// Puts the default fields of a kind in the catalogue once the application has a visitor (or account), so Data Mappings
    /// lists them as group type "default". Idempotent; a
    /// concurrent reader inserting the same rows is harmless (the unique index refuses the second, which is then ignored).
    /// </summary>
    public static async Task EnsureCatalogueAsync(PortalDbContext db, Guid applicationId, FieldKind kind, TimeProvider time, CancellationToken cancellationToken)
    {
        var fields = For(kind);
        if (fields.Count == 0) return;
        var present = await db.MetadataFields.AsNoTracking()
            .Where(f => f.ApplicationId == applicationId && f.Kind == kind && f.GroupType == GroupTypes.Default)
            .Select(f => f.Name).ToListAsync(cancellationToken);
        var missing = fields.Where(f => !present.Contains(f.Name)).ToList();
        if (missing.Count == 0) return;
        // Computed from what Portal stores: listed once there is a visitor (or account) to compute them for.
        var any = kind == FieldKind.Visitor
            ? await db.Visitors.AnyAsync(v => v.ApplicationId == applicationId, cancellationToken)
            : await db.Accounts.AnyAsync(a => a.ApplicationId == applicationId, cancellationToken);
        if (!any) return;
        var now = time.GetUtcNow();
        foreach (var (name, type) in missing)
        {
            db.MetadataFields.Add(new MetadataField
            {
                ApplicationId = applicationId, Kind = kind, GroupType = GroupTypes.Default, Name = name, InferredType = type,
                TypesSeen = Ingestion.FieldTypeInference.Bit(type), FirstSeen = now, LastSeen = now,
            });
        }
        try { await db.SaveChangesAsync(cancellationToken); }
        catch (DbUpdateException) { db.ChangeTracker.Clear(); }
    }
}
