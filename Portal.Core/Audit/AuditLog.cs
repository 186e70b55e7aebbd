using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Core.Audit;

/// <summary>Appends audit entries. Callers pass key hints, never key values.</summary>
public sealed class AuditLog(IDbContextFactory<PortalDbContext> contextFactory, TimeProvider time)
{
    public async Task RecordAsync(string user, string action, string target, string? details = null, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        db.AuditEntries.Add(new AuditEntry { At = time.GetUtcNow(), User = user, Action = action, Target = target, Details = details });
        await db.SaveChangesAsync(cancellationToken);
    }
}
