using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Data;

namespace Portal.Core.Forwarding;

/// <summary>Read-only views of forwarding for every signed-in user (Viewers included); keys appear as hints only.</summary>
public sealed class ForwardingQueries(IDbContextFactory<PortalDbContext> contextFactory, IOptions<ForwardingOptions> options, TimeProvider time)
{
    public TimeSpan WarnAfter => TimeSpan.FromSeconds(options.Value.WarnOldestWaitingSeconds);

    public async Task<ForwardingState> StateAsync(Guid applicationId, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var row = await db.ForwardingSettings.AsNoTracking().SingleOrDefaultAsync(f => f.ApplicationId == applicationId, cancellationToken);
        return row is null ? ForwardingState.Off : new ForwardingState(row.Enabled, row.Region, row.KeyHint, row.ChangedAt, row.ChangedBy);
    }

    public async Task<IReadOnlyDictionary<Guid, ForwardingState>> StatesAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await db.ForwardingSettings.AsNoTracking()
            .ToDictionaryAsync(f => f.ApplicationId, f => new ForwardingState(f.Enabled, f.Region, f.KeyHint, f.ChangedAt, f.ChangedBy), cancellationToken);
    }

    public async Task<ForwardingFigures> FiguresAsync(Guid applicationId, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var app = db.ForwardingOutbox.AsNoTracking().Where(m => m.ApplicationId == applicationId);
        var waiting = await app.Where(m => m.State == OutboxState.Waiting).SumAsync(m => m.Count, cancellationToken);
        var minuteAgo = now.AddMinutes(-1);
        var hourAgo = now.AddHours(-1);
        var deliveries = db.ForwardingDeliveries.AsNoTracking().Where(d => d.ApplicationId == applicationId);
        var lastMinute = await deliveries.Where(d => d.DeliveredAt >= minuteAgo).SumAsync(d => d.Count, cancellationToken);
        var lastHour = await deliveries.Where(d => d.DeliveredAt >= hourAgo).SumAsync(d => d.Count, cancellationToken);
        var dead = await app.Where(m => m.State == OutboxState.Dead).SumAsync(m => m.Count, cancellationToken);
        var oldest = await app.Where(m => m.State == OutboxState.Waiting).OrderBy(m => m.EnqueuedAt)
            .Select(m => (DateTimeOffset?)m.EnqueuedAt).FirstOrDefaultAsync(cancellationToken);
        // What holds the queue up now (a waiting message's last failure), else the latest dead letter's answer.
        var blocking = await app.Where(m => m.State == OutboxState.Waiting && m.LastError != null).OrderByDescending(m => m.Id)
            .Select(m => m.LastError).FirstOrDefaultAsync(cancellationToken);
        var lastDead = blocking is not null ? null : await app.Where(m => m.State == OutboxState.Dead).OrderByDescending(m => m.DueAt)
            .Select(m => new { m.LastError, m.DueAt }).FirstOrDefaultAsync(cancellationToken);
        return new ForwardingFigures(waiting, lastMinute, lastHour, dead, oldest is { } o ? Max(now - o) : null,
            blocking ?? lastDead?.LastError, lastDead?.DueAt);
    }

    public async Task<IReadOnlyList<DeadLetter>> DeadLettersAsync(Guid applicationId, int take = 100, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.ForwardingOutbox.AsNoTracking().Where(m => m.ApplicationId == applicationId && m.State == OutboxState.Dead)
            .OrderByDescending(m => m.DueAt).ThenByDescending(m => m.Id).Take(take)
            .Select(m => new { m.Id, m.MessageIds, m.Attempts, m.LastStatus, m.LastError, m.EnqueuedAt, m.DueAt })
            .ToListAsync(cancellationToken);
        // Dead letters hold one message each (an entry whose stored messages could not be read may hold more).
        return rows.ConvertAll(m =>
        {
            var ids = OutboxBody.ParseIds(m.MessageIds);
            var name = ids.Length == 1 ? ids[0] : $"{ids.FirstOrDefault()} and {ids.Length - 1} more";
            return new DeadLetter(m.Id, name, m.Attempts, m.LastStatus, m.LastError, m.EnqueuedAt, m.DueAt);
        });
    }

    /// <summary>
    /// Each message's latest forwarding state (a replayed message may have been queued more than once). A delivered message
    /// leaves the outbox: one of <paramref name="queued"/> (the messages the Ingestion log says went into it) found in no
    /// entry was delivered. Only entries queued from <paramref name="since"/> on are read (the request's time: its messages
    /// cannot be in older ones).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, ForwardState>> MessageStatesAsync(Guid applicationId, IReadOnlyCollection<string> messageIds,
        IReadOnlyCollection<string>? queued = null, DateTimeOffset? since = null, CancellationToken cancellationToken = default)
    {
        if (messageIds.Count == 0) return new Dictionary<string, ForwardState>();
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var from = since ?? DateTimeOffset.MinValue;
        // Entries hold many messages, so none is found by an index on messageId; the outbox holds what is on its way, so this
        // reads little, except while Pendo has been unreachable for long.
        var rows = await db.ForwardingOutbox.AsNoTracking().Where(m => m.ApplicationId == applicationId && m.EnqueuedAt >= from)
            .Select(m => new { m.Id, m.MessageIds, m.State, m.LastError }).ToListAsync(cancellationToken);
        var wanted = messageIds.ToHashSet(StringComparer.Ordinal);
        var latest = new Dictionary<string, (long Id, ForwardState State)>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var state = row.State switch
            {
                OutboxState.Delivered => ForwardState.Delivered,
                OutboxState.Dead => ForwardState.DeadLettered,
                OutboxState.Discarded => ForwardState.Discarded,
                _ => row.LastError is null ? ForwardState.Waiting : ForwardState.Retrying,
            };
            foreach (var id in OutboxBody.ParseIds(row.MessageIds))
                if (wanted.Contains(id) && (!latest.TryGetValue(id, out var seen) || seen.Id < row.Id)) latest[id] = (row.Id, state);
        }
        var states = latest.ToDictionary(l => l.Key, l => l.Value.State, StringComparer.Ordinal);
        foreach (var id in queued ?? []) states.TryAdd(id, ForwardState.Delivered);
        return states;
    }

    /// <summary>Applications whose oldest waiting message is older than <see cref="ForwardingOptions.WarnOldestWaitingSeconds"/>.</summary>
    public async Task<IReadOnlyList<ForwardingLag>> LaggingAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var threshold = now - WarnAfter;
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var apps = await db.ForwardingSettings.AsNoTracking()
            .Join(db.Applications.AsNoTracking(), f => f.ApplicationId, a => a.Id, (f, a) => new { a.Id, a.Name })
            .ToListAsync(cancellationToken);
        var lagging = new List<ForwardingLag>();
        foreach (var app in apps)
        {
            var oldest = await db.ForwardingOutbox.Where(m => m.ApplicationId == app.Id && m.State == OutboxState.Waiting).OrderBy(m => m.EnqueuedAt)
                .Select(m => (DateTimeOffset?)m.EnqueuedAt).FirstOrDefaultAsync(cancellationToken);
            if (oldest is not { } o || o > threshold) continue;
            var waiting = await db.ForwardingOutbox.Where(m => m.ApplicationId == app.Id && m.State == OutboxState.Waiting).SumAsync(m => m.Count, cancellationToken);
            var error = await db.ForwardingOutbox.Where(m => m.ApplicationId == app.Id && m.State == OutboxState.Waiting && m.LastError != null)
                .OrderByDescending(m => m.Id).Select(m => m.LastError).FirstOrDefaultAsync(cancellationToken);
            lagging.Add(new ForwardingLag(app.Id, app.Name, waiting, Max(now - o), error));
        }
        return lagging.OrderBy(l => l.ApplicationName, StringComparer.OrdinalIgnoreCase).ToList();
    }

    /// <summary>Messages waiting for Pendo across all applications, and when the oldest of them was queued.</summary>
    public async Task<(int Waiting, DateTimeOffset? OldestEnqueuedAt)> WaitingAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var waiting = db.ForwardingOutbox.AsNoTracking().Where(m => m.State == OutboxState.Waiting);
        var count = await waiting.SumAsync(m => m.Count, cancellationToken);
        var oldest = count == 0 ? null : await waiting.OrderBy(m => m.EnqueuedAt).Select(m => (DateTimeOffset?)m.EnqueuedAt).FirstOrDefaultAsync(cancellationToken);
        return (count, oldest);
    }

    private static TimeSpan Max(TimeSpan age) => age < TimeSpan.Zero ? TimeSpan.Zero : age;
}
