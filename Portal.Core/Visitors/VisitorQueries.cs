using Microsoft.EntityFrameworkCore;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Events;
using Portal.Core.Metadata;
using Portal.Core.Metadata.Custom;

namespace Portal.Core.Visitors;

/// <summary>The Visitors pages: search by id or metadata value, and one visitor's details.</summary>
public sealed class VisitorQueries(IDbContextFactory<PortalDbContext> contextFactory)
{
    /// <summary>Visitors of an application; <paramref name="sort"/> null keeps each search's natural order (id for an id prefix, else newest first).</summary>
    public async Task<PageOf<VisitorRow>> SearchAsync(Guid applicationId, string? search, VisitorSearchMode mode, int page, int pageSize,
        CancellationToken cancellationToken = default, VisitorSort? sort = null, bool descending = false)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var visitors = db.Visitors.AsNoTracking().Where(v => v.ApplicationId == applicationId);
        IOrderedQueryable<Visitor> ordered;
        var term = search?.Trim();
        if (string.IsNullOrEmpty(term))
        {
            ordered = visitors.OrderByDescending(v => v.LastSeen).ThenBy(v => v.Id);
        }
        else if (mode == VisitorSearchMode.Id)
        {
            var upper = TextSearch.PrefixUpperBound(term);
            ordered = visitors.Where(v => string.Compare(v.VisitorId, term) >= 0 && string.Compare(v.VisitorId, upper) < 0).OrderBy(v => v.VisitorId);
        }
        else
        {
            var raw = TextSearch.ContainsPattern(term);
            var encoded = TextSearch.ContainsPattern(TextSearch.JsonEncoded(term));
            // A value search reads every visitor of the application: in table order (NOT INDEXED) that is one sequential
            // pass; through the LastSeen index it would be a random read per visitor, ten times slower.
            var scanned = (db.Database.IsSqlite()
                ? db.Visitors.FromSql($"SELECT * FROM Visitors NOT INDEXED WHERE ApplicationId = {applicationId}")
                : db.Visitors.Where(v => v.ApplicationId == applicationId)).AsNoTracking();
            // SQLite's LIKE ignores ASCII case; PostgreSQL's ILIKE does the same there.
            scanned = db.Database.IsNpgsql()
                ? raw == encoded
                    ? scanned.Where(v => EF.Functions.ILike(v.MetadataJson, raw, "\\"))
                    : scanned.Where(v => EF.Functions.ILike(v.MetadataJson, raw, "\\") || EF.Functions.ILike(v.MetadataJson, encoded, "\\"))
                : raw == encoded
                    ? scanned.Where(v => EF.Functions.Like(v.MetadataJson, raw, "\\"))
                    : scanned.Where(v => EF.Functions.Like(v.MetadataJson, raw, "\\") || EF.Functions.Like(v.MetadataJson, encoded, "\\"));
            ordered = scanned.OrderByDescending(v => v.LastSeen).ThenBy(v => v.Id);
        }

        var total = await ordered.CountAsync(cancellationToken);
        if (sort is { } by) ordered = Sort(ordered, by, descending);
        pageSize = Math.Clamp(pageSize, 1, 200);
        var rows = await ordered.Skip(Math.Max(0, page) * pageSize).Take(pageSize)
            .Select(v => new VisitorRow(v.VisitorId,
                db.VisitorAccounts.Count(va => va.ApplicationId == applicationId && va.VisitorId == v.VisitorId),
                v.FirstSeen, v.LastSeen, v.DaysActive, v.EventCount, v.DisplayName, v.Email))
            .ToListAsync(cancellationToken);
        return new PageOf<VisitorRow>(rows, total);
    }

    // No index behind the default-metadata columns: sorting by them reads the application's visitors once (an index each
    // would cost the writer a random B-tree page per visitor per commit).
    private static IOrderedQueryable<Visitor> Sort(IQueryable<Visitor> visitors, VisitorSort sort, bool descending) => (sort switch
    {
        VisitorSort.VisitorId => descending ? visitors.OrderByDescending(v => v.VisitorId) : visitors.OrderBy(v => v.VisitorId),
        VisitorSort.DisplayName => descending ? visitors.OrderByDescending(v => v.DisplayName) : visitors.OrderBy(v => v.DisplayName),
        VisitorSort.Email => descending ? visitors.OrderByDescending(v => v.Email) : visitors.OrderBy(v => v.Email),
        VisitorSort.FirstSeen => descending ? visitors.OrderByDescending(v => v.FirstSeen) : visitors.OrderBy(v => v.FirstSeen),
        VisitorSort.DaysActive => descending ? visitors.OrderByDescending(v => v.DaysActive) : visitors.OrderBy(v => v.DaysActive),
        VisitorSort.EventCount => descending ? visitors.OrderByDescending(v => v.EventCount) : visitors.OrderBy(v => v.EventCount),
        _ => descending ? visitors.OrderByDescending(v => v.LastSeen) : visitors.OrderBy(v => v.LastSeen),
    }).ThenBy(v => v.Id);

    public async Task<VisitorDetails?> GetAsync(Guid applicationId, string visitorId, int recentEvents = 25, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var visitor = await db.Visitors.AsNoTracking().FirstOrDefaultAsync(v => v.ApplicationId == applicationId && v.VisitorId == visitorId, cancellationToken);
        if (visitor is null) return null;

        var types = await CatalogueTypes.LoadAsync(db, applicationId, FieldKind.Visitor, MetadataDocument.FieldNames(visitor.MetadataJson), cancellationToken);
        var links = await (from va in db.VisitorAccounts.AsNoTracking()
                           where va.ApplicationId == applicationId && va.VisitorId == visitorId
                           join a in db.Accounts.AsNoTracking().Where(a => a.ApplicationId == applicationId) on va.AccountId equals a.AccountId into accounts
                           from a in accounts.DefaultIfEmpty()
                           orderby va.AccountId
                           select new VisitorAccountLink(va.AccountId, a != null, a != null && a.HasMetadata, va.LinkedAt))
            .Take(200).ToListAsync(cancellationToken);
        var recent = await VisitorTrackIndex.RecentAsync(db, applicationId, visitorId, Math.Clamp(recentEvents, 1, 200), cancellationToken);

        IReadOnlyList<MetadataGroup> metadata =
        [
            .. MetadataDocument.Parse(visitor.MetadataJson, types),
            DefaultFields.Group(visitor.FirstSeen, visitor.LastSeen, visitor.DaysActive, visitor.EventCount),
            .. await CustomValueReader.GroupAsync(db, applicationId, FieldKind.Visitor, visitorId, cancellationToken),
        ];
        return new VisitorDetails(visitor.VisitorId, visitor.FirstSeen, visitor.LastSeen, metadata,
            links, recent.Select(EventIndexQueries.ToRow).ToList()) { DisplayName = visitor.DisplayName, Email = visitor.Email };
    }
}
