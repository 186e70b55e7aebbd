using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Core.Audit;

/// <summary>One page of audit entries and how many match in all.</summary>
public sealed record AuditPage(IReadOnlyList<AuditEntry> Entries, int TotalCount);

/// <summary>Reads the audit log for the Audit log page: newest first, filtered, paged in the database.</summary>
public sealed class AuditSearch(IDbContextFactory<PortalDbContext> contextFactory)
{
    public const int MaxPageSize = 200;

    public async Task<AuditPage> SearchAsync(string? action, string? user, int skip, int take, CancellationToken cancellationToken = default)
    {
        take = Math.Clamp(take, 1, MaxPageSize);
        skip = Math.Max(0, skip);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var query = db.AuditEntries.AsNoTracking();
        if (!string.IsNullOrEmpty(action)) query = query.Where(e => e.Action == action);
        if (!string.IsNullOrEmpty(user)) query = query.Where(e => e.User == user);
        var total = await query.CountAsync(cancellationToken);
        var entries = await query.OrderByDescending(e => e.At).ThenByDescending(e => e.Id).Skip(skip).Take(take).ToListAsync(cancellationToken);
        return new AuditPage(entries, total);
    }

    /// <summary>Everyone who appears in the log, for the user filter.</summary>
    public async Task<IReadOnlyList<string>> UsersAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await db.AuditEntries.AsNoTracking().Select(e => e.User).Distinct().OrderBy(u => u).ToListAsync(cancellationToken);
    }

    /// <summary>Every action recorded so far (the vocabulary grows with features), for the action filter.</summary>
    public async Task<IReadOnlyList<string>> ActionsAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await db.AuditEntries.AsNoTracking().Select(e => e.Action).Distinct().OrderBy(a => a).ToListAsync(cancellationToken);
    }
}
