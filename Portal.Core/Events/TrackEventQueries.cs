using Microsoft.EntityFrameworkCore;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Metadata;

namespace Portal.Core.Events;

/// <summary>The Track events pages: event names with counts, and one name's catalogue and recent occurrences.</summary>
public sealed class TrackEventQueries(IDbContextFactory<PortalDbContext> contextFactory, DataMappingsService mappings, TrackEventCounts counts)
{
    public async Task<PageOf<TrackEventNameRow>> ListNamesAsync(Guid applicationId, string? search, TrackEventSort sort,
        int page, int pageSize, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        IEnumerable<EventIndexQueries.NameWithLastId> names = await EventIndexQueries.TrackNamesAsync(db, applicationId, cancellationToken);
        if (!string.IsNullOrWhiteSpace(search))
        {
            var term = search.Trim();
            names = names.Where(n => n.Name.Contains(term, StringComparison.OrdinalIgnoreCase));
        }
        names = sort == TrackEventSort.LastSeen
            ? names.OrderByDescending(n => n.LastId).ThenBy(n => n.Name, StringComparer.Ordinal)
            : names.OrderBy(n => n.Name, StringComparer.Ordinal);
        var all = names.ToList();
        pageSize = Math.Clamp(pageSize, 1, 200);
        var slice = all.Skip(Math.Max(0, page) * pageSize).Take(pageSize).ToList();

        var happenedAt = await EventIndexQueries.TimestampsAsync(db, slice.Where(n => n.LastId is not null).Select(n => n.LastId!.Value).ToList(), cancellationToken);
        var counted = await counts.CountAsync(db, applicationId,
            slice.Where(n => n.LastId is not null).Select(n => (n.Name, n.LastId!.Value)).ToList(), cancellationToken);
        var rows = new List<TrackEventNameRow>(slice.Count);
        foreach (var name in slice)
        {
            rows.Add(new TrackEventNameRow(name.Name, counted.GetValueOrDefault(name.Name),
                name.LastId is { } id && happenedAt.TryGetValue(id, out var at) ? at : null));
        }
        return new PageOf<TrackEventNameRow>(rows, all.Count);
    }

    public async Task<TrackEventDetails?> GetAsync(Guid applicationId, string name, int recent = 25, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var ofName = db.Events.AsNoTracking().Where(e => e.ApplicationId == applicationId && e.Type == EventIndexQueries.Track && e.Name == name);
        var latest = await ofName.OrderByDescending(e => e.Id).Take(Math.Clamp(recent, 1, 200)).ToListAsync(cancellationToken);
        var properties = await mappings.QueryAsync(new DataMappingsQuery(applicationId, FieldKind.TrackProperty)
        {
            EventName = name,
            ShowHidden = true,
            SortBy = DataMappingSort.Name,
            PageSize = 500,
        }, cancellationToken);
        if (latest.Count == 0 && properties.TotalCount == 0) return null;

        var count = latest.Count == 0 ? 0
            : (await counts.CountAsync(db, applicationId, [(name, latest[0].Id)], cancellationToken))[name];
        var first = await ofName.OrderBy(e => e.Id).Select(e => (DateTimeOffset?)e.Timestamp).FirstOrDefaultAsync(cancellationToken);
        return new TrackEventDetails(name, count, first, latest.FirstOrDefault()?.Timestamp, properties.Items,
            latest.Select(EventIndexQueries.ToRow).ToList());
    }
}

public enum TrackEventSort
{
    Name,
    LastSeen,
}
