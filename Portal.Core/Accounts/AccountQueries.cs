using Microsoft.EntityFrameworkCore;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Metadata;
using Portal.Core.Metadata.Custom;
using Portal.Core.Visitors;

namespace Portal.Core.Accounts;

/// <summary>The Accounts pages: the list with visitor counts, and one account's metadata and visitors.</summary>
public sealed class AccountQueries(IDbContextFactory<PortalDbContext> contextFactory)
{
    public async Task<PageOf<AccountRow>> SearchAsync(Guid applicationId, string? idPrefix, AccountSort sort, bool descending, int page, int pageSize,
        CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var accounts = db.Accounts.AsNoTracking().Where(a => a.ApplicationId == applicationId);
        var term = idPrefix?.Trim();
        if (!string.IsNullOrEmpty(term))
        {
            var upper = TextSearch.PrefixUpperBound(term);
            accounts = accounts.Where(a => string.Compare(a.AccountId, term) >= 0 && string.Compare(a.AccountId, upper) < 0);
        }

        var rows = accounts.Select(a => new
        {
            a.Id,
            a.AccountId,
            a.HasMetadata,
            // A seek on VisitorAccounts (ApplicationId, AccountId) per account on the page.
            VisitorCount = db.VisitorAccounts.Count(va => va.ApplicationId == applicationId && va.AccountId == a.AccountId),
            a.FirstSeen,
            a.LastSeen,
            a.DaysActive,
            a.EventCount,
            a.DisplayName,
        });
        var ordered = (sort, descending) switch
        {
            (AccountSort.AccountId, false) => rows.OrderBy(r => r.AccountId),
            (AccountSort.AccountId, true) => rows.OrderByDescending(r => r.AccountId),
            (AccountSort.FirstSeen, false) => rows.OrderBy(r => r.FirstSeen),
            (AccountSort.FirstSeen, true) => rows.OrderByDescending(r => r.FirstSeen),
            (AccountSort.VisitorCount, false) => rows.OrderBy(r => r.VisitorCount),
            (AccountSort.VisitorCount, true) => rows.OrderByDescending(r => r.VisitorCount),
            (AccountSort.DisplayName, false) => rows.OrderBy(r => r.DisplayName),
            (AccountSort.DisplayName, true) => rows.OrderByDescending(r => r.DisplayName),
            (AccountSort.DaysActive, false) => rows.OrderBy(r => r.DaysActive),
            (AccountSort.DaysActive, true) => rows.OrderByDescending(r => r.DaysActive),
            (AccountSort.EventCount, false) => rows.OrderBy(r => r.EventCount),
            (AccountSort.EventCount, true) => rows.OrderByDescending(r => r.EventCount),
            (_, false) => rows.OrderBy(r => r.LastSeen),
            _ => rows.OrderByDescending(r => r.LastSeen),
        };

        var total = await accounts.CountAsync(cancellationToken);
        pageSize = Math.Clamp(pageSize, 1, 200);
        var items = await ordered.ThenBy(r => r.Id).Skip(Math.Max(0, page) * pageSize).Take(pageSize)
            .Select(r => new AccountRow(r.AccountId, r.HasMetadata, r.VisitorCount, r.FirstSeen, r.LastSeen, r.DaysActive, r.EventCount, r.DisplayName))
            .ToListAsync(cancellationToken);
        return new PageOf<AccountRow>(items, total);
    }

    public async Task<AccountDetails?> GetAsync(Guid applicationId, string accountId, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var account = await db.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.ApplicationId == applicationId && a.AccountId == accountId, cancellationToken);
        if (account is null) return null;
        var types = await CatalogueTypes.LoadAsync(db, applicationId, FieldKind.Account, MetadataDocument.FieldNames(account.MetadataJson), cancellationToken);
        var visitorCount = await db.VisitorAccounts.CountAsync(va => va.ApplicationId == applicationId && va.AccountId == accountId, cancellationToken);
        IReadOnlyList<MetadataGroup> metadata =
        [
            .. MetadataDocument.Parse(account.MetadataJson, types),
            DefaultFields.Group(account.FirstSeen, account.LastSeen, account.DaysActive, account.EventCount, visitorCount),
            .. await CustomValueReader.GroupAsync(db, applicationId, FieldKind.Account, accountId, cancellationToken),
        ];
        return new AccountDetails(account.AccountId, account.HasMetadata, account.FirstSeen, account.LastSeen, metadata, visitorCount)
            { DisplayName = account.DisplayName };
    }

    /// <summary>The account's visitors, newest link first, paged on the (ApplicationId, AccountId) index.</summary>
    public async Task<PageOf<VisitorRow>> VisitorsAsync(Guid applicationId, string accountId, int page, int pageSize, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var links = db.VisitorAccounts.AsNoTracking().Where(va => va.ApplicationId == applicationId && va.AccountId == accountId);
        var total = await links.CountAsync(cancellationToken);
        pageSize = Math.Clamp(pageSize, 1, 200);
        var rows = await (from va in links
                          join v in db.Visitors.AsNoTracking().Where(v => v.ApplicationId == applicationId) on va.VisitorId equals v.VisitorId
                          orderby va.VisitorId
                          select new VisitorRow(v.VisitorId,
                              db.VisitorAccounts.Count(x => x.ApplicationId == applicationId && x.VisitorId == v.VisitorId),
                              v.FirstSeen, v.LastSeen, v.DaysActive, v.EventCount, v.DisplayName, v.Email))
            .Skip(Math.Max(0, page) * pageSize).Take(pageSize).ToListAsync(cancellationToken);
        return new PageOf<VisitorRow>(rows, total);
    }
}
