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
        var waiting = await app.CountAsync(m => m.State == OutboxState.Waiting, cancellationToken);
        var minuteAgo = now.AddMinutes(-1);
        var hourAgo = now.AddHours(-1);
        var lastMinute = await app.CountAsync(m => m.State == OutboxState.Delivered && m.DueAt >= minuteAgo, cancellationToken);
        var lastHour = await app.CountAsync(m => m.State == OutboxState.Delivered && m.DueAt >= hourAgo, cancellationToken);
        var dead = await app.CountAsync(m => m.State == OutboxState.Dead, cancellationToken);
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
        return await db.ForwardingOutbox.AsNoTracking().Where(m => m.ApplicationId == applicationId && m.State == OutboxState.Dead)
            .OrderByDescending(m => m.DueAt).ThenByDescending(m => m.Id).Take(take)
            .Select(m => new DeadLetter(m.Id, m.MessageId, m.Attempts, m.LastStatus, m.LastError, m.EnqueuedAt, m.DueAt))
            .ToListAsync(cancellationToken);
    }

    /// <summary>Each message's latest forwarding state (a replayed message may have been queued more than once).</summary>
    public async Task<IReadOnlyDictionary<string, ForwardState>> MessageStatesAsync(Guid applicationId, IReadOnlyCollection<string> messageIds,
        CancellationToken cancellationToken = default)
    {
        if (messageIds.Count == 0) return new Dictionary<string, ForwardState>();
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.ForwardingOutbox.AsNoTracking().Where(m => m.ApplicationId == applicationId && messageIds.Contains(m.MessageId))
            .Select(m => new { m.Id, m.MessageId, m.State, m.Attempts, m.LastError }).ToListAsync(cancellationToken);
        return rows.GroupBy(r => r.MessageId).ToDictionary(g => g.Key, g =>
        {
            var latest = g.MaxBy(r => r.Id)!;
            return latest.State switch
            {
                OutboxState.Delivered => ForwardState.Delivered,
                OutboxState.Dead => ForwardState.DeadLettered,
                _ => latest.LastError is null ? ForwardState.Waiting : ForwardState.Retrying,
            };
        });
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
            var waiting = await db.ForwardingOutbox.CountAsync(m => m.ApplicationId == app.Id && m.State == OutboxState.Waiting, cancellationToken);
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
        var count = await waiting.CountAsync(cancellationToken);
        var oldest = count == 0 ? null : await waiting.OrderBy(m => m.EnqueuedAt).Select(m => (DateTimeOffset?)m.EnqueuedAt).FirstOrDefaultAsync(cancellationToken);
        return (count, oldest);
    }

    private static TimeSpan Max(TimeSpan age) => age < TimeSpan.Zero ? TimeSpan.Zero : age;
}
