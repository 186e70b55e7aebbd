using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Core.Forwarding;

/// <summary>A claimed outbox row: reserved for this forwarder until its lease ends.</summary>
public sealed record ClaimedMessage(long Id, Guid ApplicationId, string MessageId, string Json, int Attempts, DateTimeOffset EnqueuedAt);

/// <summary>
/// The forwarder's reads and writes of the outbox. On PostgreSQL claiming pushes the rows' <c>DueAt</c> past a lease in
/// one statement with <c>FOR UPDATE SKIP LOCKED</c>, so several instances never claim the same row. SQLite has one
/// instance and one forwarder, which finishes a claim before the next: there a claim is a read, and the attempt is
/// counted when its outcome is written. That saves a rewrite of every row (JSON included) in the database file the
/// ingestion writer shares.
/// </summary>
public sealed class OutboxStore(IDbContextFactory<PortalDbContext> contextFactory)
{
    private const string ClaimSql = """
        UPDATE "ForwardingOutbox" SET "DueAt" = @lease, "Attempts" = "Attempts" + 1
        WHERE "Id" IN (SELECT "Id" FROM "ForwardingOutbox" WHERE "ApplicationId" = @app AND "State" = 0 AND "DueAt" <= @now
                       ORDER BY "DueAt", "Id" LIMIT @limit{0})
        RETURNING "Id", "MessageId", "Json", "Attempts", "EnqueuedAt"
        """;

    private const string ReadSql = """
        SELECT "Id", "MessageId", "Json", "Attempts" + 1, "EnqueuedAt" FROM "ForwardingOutbox"
        WHERE "ApplicationId" = @app AND "State" = 0 AND "DueAt" <= @now ORDER BY "DueAt", "Id" LIMIT @limit
        """;

    public async Task<IReadOnlyList<ClaimedMessage>> ClaimAsync(Guid applicationId, int limit, DateTimeOffset now, DateTimeOffset leaseUntil,
        CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var postgres = db.Database.IsNpgsql();
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = postgres ? string.Format(System.Globalization.CultureInfo.InvariantCulture, ClaimSql, " FOR UPDATE SKIP LOCKED") : ReadSql;
        if (postgres) Add(command, "@lease", Value(leaseUntil, postgres));
        Add(command, "@app", postgres ? applicationId : applicationId.ToString().ToUpperInvariant());
        Add(command, "@now", Value(now, postgres));
        Add(command, "@limit", limit);
        var claimed = new List<ClaimedMessage>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var enqueued = postgres ? reader.GetFieldValue<DateTimeOffset>(4) : new DateTimeOffset(reader.GetInt64(4), TimeSpan.Zero);
            claimed.Add(new ClaimedMessage(reader.GetInt64(0), applicationId, reader.GetString(1), reader.IsDBNull(2) ? "{}" : reader.GetString(2),
                reader.GetInt32(3), enqueued));
        }
        return claimed.OrderBy(c => c.Id).ToList();
    }

    public async Task DeliveredAsync(IReadOnlyCollection<long> ids, int status, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var counted = db.Database.IsNpgsql() ? 0 : 1;
        await db.ForwardingOutbox.Where(m => ids.Contains(m.Id)).ExecuteUpdateAsync(s => s
            .SetProperty(m => m.State, OutboxState.Delivered).SetProperty(m => m.DueAt, now).SetProperty(m => m.Json, (string?)null)
            .SetProperty(m => m.Attempts, m => m.Attempts + counted)
            .SetProperty(m => m.LastStatus, status).SetProperty(m => m.LastError, (string?)null), cancellationToken);
    }

    /// <summary>Back to waiting until <paramref name="dueAt"/>, or, with <paramref name="dead"/>, to the dead letters.</summary>
    public async Task FailedAsync(IReadOnlyCollection<long> ids, bool dead, DateTimeOffset dueAt, int? status, string error, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var state = dead ? OutboxState.Dead : OutboxState.Waiting;
        // PostgreSQL counted the attempt when it claimed the rows; SQLite's claim is a read (see the class).
        var counted = db.Database.IsNpgsql() ? 0 : 1;
        await db.ForwardingOutbox.Where(m => ids.Contains(m.Id)).ExecuteUpdateAsync(s => s
            .SetProperty(m => m.State, state).SetProperty(m => m.DueAt, dueAt).SetProperty(m => m.Attempts, m => m.Attempts + counted)
            .SetProperty(m => m.LastStatus, status).SetProperty(m => m.LastError, error), cancellationToken);
    }

    /// <summary>The earliest time a waiting message of these applications comes due, or null when none waits.</summary>
    public async Task<DateTimeOffset?> NextDueAsync(IReadOnlyCollection<Guid> applicationIds, CancellationToken cancellationToken)
    {
        if (applicationIds.Count == 0) return null;
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        DateTimeOffset? next = null;
        foreach (var app in applicationIds)
        {
            var due = await db.ForwardingOutbox.Where(m => m.ApplicationId == app && m.State == OutboxState.Waiting)
                .OrderBy(m => m.DueAt).Select(m => (DateTimeOffset?)m.DueAt).FirstOrDefaultAsync(cancellationToken);
            if (due is { } d && (next is null || d < next)) next = d;
        }
        return next;
    }

    /// <summary>Forgets delivered messages older than the cut-off, a bounded chunk at a time; returns how many went.</summary>
    public async Task<int> PruneDeliveredAsync(DateTimeOffset cutoff, CancellationToken cancellationToken, int chunk = 5000)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var ids = await db.ForwardingOutbox.Where(m => m.State == OutboxState.Delivered && m.DueAt < cutoff)
            .OrderBy(m => m.Id).Select(m => m.Id).Take(chunk).ToListAsync(cancellationToken);
        if (ids.Count == 0) return 0;
        return await db.ForwardingOutbox.Where(m => ids.Contains(m.Id)).ExecuteDeleteAsync(cancellationToken);
    }

    private static object Value(DateTimeOffset value, bool postgres) => postgres ? value.ToUniversalTime() : value.UtcTicks;

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
