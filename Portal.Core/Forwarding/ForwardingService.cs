using Microsoft.EntityFrameworkCore;
using Portal.Core.Applications;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Security;

namespace Portal.Core.Forwarding;

/// <summary>
/// Turns forwarding on and off and works the outbox (Retry, Discard, Replay). Every method is the acting Admin's,
/// checked here and audited; the Pendo key is taken from an imported key of the application or given by the
/// Admin, stored encrypted, and named in the audit log by its last four characters only.
/// </summary>
public sealed class ForwardingService(
    ICurrentUser currentUser,
    IDbContextFactory<PortalDbContext> contextFactory,
    ApiKeyProtector protector,
    ApiKeyResolver resolver,
    ForwardingTargets targets,
    PendoForwarder forwarder,
    AuditLog audit,
    Microsoft.Extensions.Options.IOptions<ForwardingOptions> options,
    TimeProvider time)
{
    private const int ReplayChunk = 1000;

    /// <summary>
    /// Forwarding on, to <paramref name="region"/>, with the Pendo key <paramref name="pendoKeyId"/> (an imported key of
    /// the application) or <paramref name="pendoKey"/> (typed in). With neither: the key already set, else the
    /// application's only active imported key.
    /// </summary>
    public async Task<OperationResult<ForwardingState>> EnableAsync(Guid applicationId, string region, Guid? pendoKeyId = null, string? pendoKey = null,
        CancellationToken cancellationToken = default)
    {
        if (await currentUser.AdminAsync(cancellationToken) is not { } actor) return OperationResult<ForwardingState>.Fail(CurrentUserExtensions.AdminOnly);
        if (targets.FindRegion(region) is not { } known)
            return OperationResult<ForwardingState>.Fail($"Unknown region '{region}'. Use {string.Join(", ", targets.Regions.Select(r => r.Name))}.");
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var app = await db.Applications.FindAsync([applicationId], cancellationToken);
        if (app is null) return OperationResult<ForwardingState>.Fail("That application does not exist.");
        var settings = await db.ForwardingSettings.SingleOrDefaultAsync(f => f.ApplicationId == applicationId, cancellationToken);

        string protectedKey, hint;
        if (!string.IsNullOrWhiteSpace(pendoKey))
        {
            var value = ApiKeyFormat.Normalize(pendoKey);
            if (!ApiKeyFormat.IsWellFormed(value)) return OperationResult<ForwardingState>.Fail("That is not a Pendo API key (a GUID such as 1b2c3d4e-…).");
            (protectedKey, hint) = (protector.ProtectKey(value), ApiKeyFormat.Hint(value));
        }
        else if (pendoKeyId is { } keyId || settings is null)
        {
            var now = time.GetUtcNow();
            var imported = await db.ApiKeys.AsNoTracking()
                .Where(k => k.ApplicationId == applicationId && k.Origin == ApiKeyOrigin.Imported && k.RevokedAt == null)
                .ToListAsync(cancellationToken);
            imported = imported.Where(k => k.IsActiveAt(now) && (pendoKeyId is null || k.Id == pendoKeyId)).ToList();
            if (imported.Count != 1)
            {
                return OperationResult<ForwardingState>.Fail(pendoKeyId is not null
                    ? "That key is not an active Pendo key (imported) of this application."
                    : imported.Count == 0
                        ? "The application has no Pendo key: import its Pendo key first, or give the key to forward with."
                        : "The application has several Pendo keys: say which one to forward with.");
            }
            (protectedKey, hint) = (imported[0].ProtectedValue, imported[0].Hint);
        }
        else (protectedKey, hint) = (settings.ProtectedPendoKey, settings.KeyHint);

        if (settings is null)
        {
            settings = new ForwardingSettings { ApplicationId = applicationId, Region = known.Name, ProtectedPendoKey = protectedKey, KeyHint = hint };
            db.ForwardingSettings.Add(settings);
        }
        settings.Enabled = true;
        settings.Region = known.Name;
        settings.ProtectedPendoKey = protectedKey;
        settings.KeyHint = hint;
        settings.ChangedAt = time.GetUtcNow();
        settings.ChangedBy = actor.Name;
        await db.SaveChangesAsync(cancellationToken);
        resolver.Invalidate();
        forwarder.Wake();
        await audit.RecordAsync(actor.Name, AuditActions.ForwardingEnabled, app.Name, $"to {known.Name} with Pendo key …{hint}", cancellationToken);
        return OperationResult<ForwardingState>.Ok(new ForwardingState(true, known.Name, hint, settings.ChangedAt, actor.Name));
    }

    /// <summary>Forwarding off: new messages are no longer queued; those waiting stay until it is on again (or are discarded).</summary>
    public async Task<OperationResult> DisableAsync(Guid applicationId, CancellationToken cancellationToken = default)
    {
        if (await currentUser.AdminAsync(cancellationToken) is not { } actor) return OperationResult.Fail(CurrentUserExtensions.AdminOnly);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var app = await db.Applications.FindAsync([applicationId], cancellationToken);
        if (app is null) return OperationResult.Fail("That application does not exist.");
        var settings = await db.ForwardingSettings.SingleOrDefaultAsync(f => f.ApplicationId == applicationId, cancellationToken);
        if (settings is not { Enabled: true }) return OperationResult.Success;
        settings.Enabled = false;
        settings.ChangedAt = time.GetUtcNow();
        settings.ChangedBy = actor.Name;
        await db.SaveChangesAsync(cancellationToken);
        resolver.Invalidate();
        await audit.RecordAsync(actor.Name, AuditActions.ForwardingDisabled, app.Name, null, cancellationToken);
        return OperationResult.Success;
    }

    /// <summary>Puts dead letters (these, or all of the application's) back in the queue, due now.</summary>
    public async Task<OperationResult<int>> RetryAsync(Guid applicationId, IReadOnlyCollection<long>? ids = null, CancellationToken cancellationToken = default)
    {
        if (await currentUser.AdminAsync(cancellationToken) is not { } actor) return OperationResult<int>.Fail(CurrentUserExtensions.AdminOnly);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var app = await db.Applications.FindAsync([applicationId], cancellationToken);
        if (app is null) return OperationResult<int>.Fail("That application does not exist.");
        var now = time.GetUtcNow();
        var count = await DeadLetters(db, applicationId, ids).ExecuteUpdateAsync(s => s
            .SetProperty(m => m.State, OutboxState.Waiting).SetProperty(m => m.DueAt, now).SetProperty(m => m.EnqueuedAt, now)
            .SetProperty(m => m.Attempts, 0), cancellationToken);
        forwarder.Wake();
        await audit.RecordAsync(actor.Name, AuditActions.ForwardingRetried, app.Name, $"{count} dead letter(s) queued again", cancellationToken);
        return OperationResult<int>.Ok(count);
    }

    /// <summary>Drops dead letters (these, or all of the application's): they will not reach Pendo.</summary>
    public async Task<OperationResult<int>> DiscardAsync(Guid applicationId, IReadOnlyCollection<long>? ids = null, CancellationToken cancellationToken = default)
    {
        if (await currentUser.AdminAsync(cancellationToken) is not { } actor) return OperationResult<int>.Fail(CurrentUserExtensions.AdminOnly);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var app = await db.Applications.FindAsync([applicationId], cancellationToken);
        if (app is null) return OperationResult<int>.Fail("That application does not exist.");
        // A tombstone without the JSON stays, so the Ingestion log does not take the message for delivered.
        var count = await DeadLetters(db, applicationId, ids).ExecuteUpdateAsync(s => s
            .SetProperty(m => m.State, OutboxState.Discarded).SetProperty(m => m.Body, (byte[]?)null).SetProperty(m => m.DueAt, time.GetUtcNow()), cancellationToken);
        await audit.RecordAsync(actor.Name, AuditActions.ForwardingDiscarded, app.Name, $"{count} dead letter(s) discarded", cancellationToken);
        return OperationResult<int>.Ok(count);
    }

    /// <summary>
    /// Sends the application's stored Segment messages received in [<paramref name="from"/>, <paramref name="to"/>) to Pendo
    /// again (after a key was fixed, say): each is queued rebuilt from what Portal stored, with its messageId, so Pendo
    /// deduplicates what it already has. One audited action; <paramref name="progress"/> follows the queueing.
    /// </summary>
    public async Task<OperationResult<int>> ReplayAsync(Guid applicationId, DateTimeOffset from, DateTimeOffset to, IProgress<ReplayProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        if (await currentUser.AdminAsync(cancellationToken) is not { } actor) return OperationResult<int>.Fail(CurrentUserExtensions.AdminOnly);
        if (to <= from) return OperationResult<int>.Fail("The range ends before it starts.");
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var app = await db.Applications.FindAsync([applicationId], cancellationToken);
        if (app is null) return OperationResult<int>.Fail("That application does not exist.");
        if (!await db.ForwardingSettings.AnyAsync(f => f.ApplicationId == applicationId && f.Enabled, cancellationToken))
            return OperationResult<int>.Fail("Turn forwarding on first: a replay goes to the application's Pendo region and key.");

        var range = db.Events.AsNoTracking().Where(e => e.ApplicationId == applicationId && e.GroupType == Common.GroupTypes.Segment
            && e.ReceivedAt >= from && e.ReceivedAt < to);
        var total = await range.CountAsync(cancellationToken);
        progress?.Report(new ReplayProgress(0, total));
        var queued = 0;
        long after = 0;
        while (true)
        {
            var chunk = await range.Where(e => e.Id > after).OrderBy(e => e.Id).Take(ReplayChunk).ToListAsync(cancellationToken);
            if (chunk.Count == 0) break;
            var now = time.GetUtcNow();
            await using (var write = await contextFactory.CreateDbContextAsync(cancellationToken))
            {
                // Entries as the ingestion writer makes them (ForwardingOptions.MessagesPerEntry).
                write.ForwardingOutbox.AddRange(chunk.Chunk(options.Value.MessagesPerEntry).Select(part => new OutboxEntry
                {
                    ApplicationId = applicationId, MessageIds = OutboxBody.Ids(part.Select(e => e.MessageId)), Count = part.Length,
                    Body = OutboxBody.Join(Array.ConvertAll(part, e => (ReadOnlyMemory<byte>)ReplayMessage.Build(e))), State = OutboxState.Waiting,
                    EnqueuedAt = now, DueAt = now,
                }));
                await write.SaveChangesAsync(cancellationToken);
            }
            after = chunk[^1].Id;
            queued += chunk.Count;
            progress?.Report(new ReplayProgress(queued, Math.Max(total, queued)));
            forwarder.Wake();
        }
        await audit.RecordAsync(actor.Name, AuditActions.ForwardingReplayed, app.Name,
            $"{queued} message(s) received {from:u} to {to:u} queued again", cancellationToken);
        return OperationResult<int>.Ok(queued);
    }

    private static IQueryable<OutboxEntry> DeadLetters(PortalDbContext db, Guid applicationId, IReadOnlyCollection<long>? ids)
    {
        var query = db.ForwardingOutbox.Where(m => m.ApplicationId == applicationId && m.State == OutboxState.Dead);
        return ids is null ? query : query.Where(m => ids.Contains(m.Id));
    }
}
