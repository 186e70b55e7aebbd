using Microsoft.EntityFrameworkCore;
using Portal.Core.Common;
using Portal.Core.Data;

namespace Portal.Core.Metadata.Custom;

/// <summary>A visitor's or account's custom values as the "custom" metadata group of its page (none when it has no values).</summary>
internal static class CustomValueReader
{
    public static async Task<IReadOnlyList<MetadataGroup>> GroupAsync(PortalDbContext db, Guid applicationId, FieldKind kind, string entityId,
        CancellationToken cancellationToken)
    {
        var values = await (from v in db.CustomValues.AsNoTracking()
                            where v.ApplicationId == applicationId && v.Kind == kind && v.EntityId == entityId
                            join f in db.CustomFields.AsNoTracking().Where(f => f.ApplicationId == applicationId && f.Kind == kind) on v.FieldName equals f.Name
                            select new { v.FieldName, v.ValueJson, v.SetAt, f.Type })
            .ToListAsync(cancellationToken);
        if (values.Count == 0) return [];
        var rows = values.OrderBy(v => v.FieldName, StringComparer.Ordinal)
            .Select(v => new MetadataValue(v.FieldName, CustomValueText.Display(v.ValueJson), v.Type, v.SetAt))
            .ToList();
        return [new MetadataGroup(GroupTypes.Custom, rows)];
    }
}
