using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Core.Metadata;

/// <summary>The effective types the catalogue holds for a set of field names, for the visitor and account pages.</summary>
internal static class CatalogueTypes
{
    public static async Task<Func<string, string, FieldType?>> LoadAsync(PortalDbContext db, Guid applicationId, FieldKind kind,
        IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        if (names.Count == 0) return (_, _) => null;
        var fields = await db.MetadataFields.AsNoTracking()
            .Where(f => f.ApplicationId == applicationId && f.Kind == kind && f.EventName == "" && names.Contains(f.Name))
            .Select(f => new { f.GroupType, f.Name, f.InferredType, f.TypeOverride })
            .ToListAsync(cancellationToken);
        var types = fields.ToDictionary(f => (f.GroupType, f.Name), f => f.TypeOverride ?? f.InferredType);
        return (groupType, name) => types.TryGetValue((groupType, name), out var type) ? type : null;
    }
}
