using Humanizer;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Metadata;
using Portal.Core.Security;

namespace Portal.Core.Erasure;

/// <summary>
/// Erasure of a person's data (GDPR requests): a visitor or an account with its metadata, custom values, memberships and
/// events, one at a time from its page or many from a list of ids. Admins only; each request is one audit entry.
/// </summary>
public sealed class ErasureService(ICurrentUser currentUser, IDbContextFactory<PortalDbContext> contextFactory, EntityEraser eraser, AuditLog audit)
{
    /// <summary>Ids longer than this cannot have been stored (ingestion caps ids well below it).</summary>
    public const int MaxIdLength = 1024;

    public Task<OperationResult<ErasureCounts>> DeleteVisitorAsync(Guid applicationId, string visitorId, CancellationToken cancellationToken = default) =>
        DeleteOneAsync(applicationId, FieldKind.Visitor, visitorId, cancellationToken);

    public Task<OperationResult<ErasureCounts>> DeleteAccountAsync(Guid applicationId, string accountId, CancellationToken cancellationToken = default) =>
        DeleteOneAsync(applicationId, FieldKind.Account, accountId, cancellationToken);

    /// <summary>Deletes every listed visitor or account that exists (ids not found are counted, not an error).</summary>
    public async Task<OperationResult<ErasureCounts>> DeleteManyAsync(Guid applicationId, FieldKind kind, IReadOnlyCollection<string> ids,
        IProgress<ErasureCounts>? progress = null, CancellationToken cancellationToken = default)
    {
        if (await currentUser.AdminAsync(cancellationToken) is not { } actor) return OperationResult<ErasureCounts>.Fail(CurrentUserExtensions.AdminOnly);
        if (kind is not (FieldKind.Visitor or FieldKind.Account)) return OperationResult<ErasureCounts>.Fail("Only visitors and accounts can be erased.");
        var clean = ids.Select(i => i.Trim()).Where(i => i.Length is > 0 and <= MaxIdLength).Distinct(StringComparer.Ordinal).ToList();
        if (clean.Count == 0) return OperationResult<ErasureCounts>.Fail("The list holds no ids.");
        if (await AppNameAsync(applicationId, cancellationToken) is not { } appName) return OperationResult<ErasureCounts>.Fail("No such application.");

        var counts = await eraser.EraseAsync(applicationId, kind, clean, progress, cancellationToken);
        var noun = kind == FieldKind.Visitor ? "visitor" : "account";
        await audit.RecordAsync(actor.Name, Action(kind), $"{appName} · {noun.ToQuantity(clean.Count)} listed",
            $"{counts.Entities} deleted, {counts.Events} events deleted", cancellationToken);
        return OperationResult<ErasureCounts>.Ok(counts);
    }

    private async Task<OperationResult<ErasureCounts>> DeleteOneAsync(Guid applicationId, FieldKind kind, string id, CancellationToken cancellationToken)
    {
        if (await currentUser.AdminAsync(cancellationToken) is not { } actor) return OperationResult<ErasureCounts>.Fail(CurrentUserExtensions.AdminOnly);
        var noun = kind == FieldKind.Visitor ? "visitor" : "account";
        await using (var db = await contextFactory.CreateDbContextAsync(cancellationToken))
        {
            var exists = kind == FieldKind.Visitor
                ? await db.Visitors.AnyAsync(v => v.ApplicationId == applicationId && v.VisitorId == id, cancellationToken)
                : await db.Accounts.AnyAsync(a => a.ApplicationId == applicationId && a.AccountId == id, cancellationToken);
            if (!exists) return OperationResult<ErasureCounts>.Fail($"No {noun} with that ID in this application.");
        }
        var appName = await AppNameAsync(applicationId, cancellationToken) ?? applicationId.ToString();
        var counts = await eraser.EraseAsync(applicationId, kind, [id], cancellationToken: cancellationToken);
        await audit.RecordAsync(actor.Name, Action(kind), $"{appName} · {noun} {id}", $"{counts.Events} events deleted", cancellationToken);
        return OperationResult<ErasureCounts>.Ok(counts);
    }

    private static string Action(FieldKind kind) => kind == FieldKind.Visitor ? AuditActions.VisitorErased : AuditActions.AccountErased;

    private async Task<string?> AppNameAsync(Guid applicationId, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await db.Applications.Where(a => a.Id == applicationId).Select(a => a.Name).SingleOrDefaultAsync(cancellationToken);
    }
}
