using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Core.Metadata;

/// <summary>
/// The default display names of a kind's fields, unique among them (per event for track properties), kept between page loads.
/// </summary>
/// <remarks>
/// Computing them reads every field name of the kind (5,000 at the catalogue cap) and humanizes them: more than half of a Data
/// Mappings page's query time. A kept set is used while the kind still has the same number of fields and the same newest id;
/// names never change and ids are never reused, so any insert raises the id and a delete alone lowers the count. That stamp
/// is one row from the same index, and it sees changes by other processes (the CLI) and instances too.
/// </remarks>
public sealed class DefaultDisplayNames
{
    /// <summary>Sets kept at most (one per application, kind and event); then the memory starts over.</summary>
    private const int MaxKept = 2_000;

    private readonly ConcurrentDictionary<(Guid App, FieldKind Kind, string EventName), Kept> _kept = new();

    private sealed record Kept(long Count, long NewestId, IReadOnlyDictionary<string, string> Names);

    internal async Task<Func<FieldKey, string>> ForAsync(PortalDbContext db, Guid applicationId, FieldKind kind,
        IReadOnlyCollection<string> eventNames, CancellationToken cancellationToken)
    {
        var stamps = await db.MetadataFields.AsNoTracking()
            .Where(f => f.ApplicationId == applicationId && f.Kind == kind && eventNames.Contains(f.EventName))
            .GroupBy(f => f.EventName)
            .Select(g => new { EventName = g.Key, Count = g.LongCount(), NewestId = g.Max(f => f.Id) })
            .ToListAsync(cancellationToken);
        var perEvent = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        var stale = new Dictionary<string, (long Count, long NewestId)>(StringComparer.Ordinal);
        foreach (var stamp in stamps)
        {
            if (_kept.TryGetValue((applicationId, kind, stamp.EventName), out var kept) && kept.Count == stamp.Count && kept.NewestId == stamp.NewestId)
                perEvent[stamp.EventName] = kept.Names;
            else
                stale[stamp.EventName] = (stamp.Count, stamp.NewestId);
        }

        if (stale.Count > 0)
        {
            var staleEvents = stale.Keys.ToList();
            // Read after the stamps: at worst these names are newer than their stamp, and the next load reads them again.
            var names = await db.MetadataFields.AsNoTracking()
                .Where(f => f.ApplicationId == applicationId && f.Kind == kind && staleEvents.Contains(f.EventName))
                .Select(f => new { f.EventName, f.Name }).Distinct()
                .ToListAsync(cancellationToken);
            if (_kept.Count > MaxKept) _kept.Clear();
            foreach (var group in names.GroupBy(n => n.EventName, StringComparer.Ordinal))
            {
                var unique = FieldNaming.UniqueDefaultDisplayNames(group.Select(n => n.Name));
                var (count, newestId) = stale[group.Key];
                _kept[(applicationId, kind, group.Key)] = new Kept(count, newestId, unique);
                perEvent[group.Key] = unique;
            }
        }
        return key => perEvent.TryGetValue(key.EventName, out var defaults) && defaults.TryGetValue(key.Name, out var name)
            ? name : FieldNaming.DefaultDisplayName(key.Name);
    }
}
