using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Ingestion;

namespace Portal.Core.Forwarding;

/// <summary>
/// A claimed outbox entry: reserved for this forwarder until its lease ends. <see cref="Attempts"/> counts this one.
/// <see cref="Stored"/> is the body as stored (<see cref="OutboxBody.Unpack"/> reads it).
/// </summary>
public sealed record ClaimedEntry(long Id, Guid ApplicationId, string MessageIds, int Count, byte[] Stored, int Attempts, DateTimeOffset EnqueuedAt);

/// <summary>
/// The forwarder's reads and writes of the outbox. A claim takes the due entries of an application, oldest first, up to a
/// number of messages. On PostgreSQL claiming pushes the entries' <c>DueAt</c> past a lease in one statement with
/// <c>FOR UPDATE SKIP LOCKED</c>, so several instances never claim the same entry. SQLite has one instance and one
/// forwarder, which finishes a claim (its outcomes committed) before the next: there a claim is a read, which spares the
/// database file the ingestion writer shares a rewrite of every entry. Outcomes are written by the ingestion writer
/// itself (<see cref="RecordAsync"/>).
/// </summary>
public sealed class OutboxStore(IDbContextFactory<PortalDbContext> contextFactory, IngestionQueue queue)
{
    // The running total stops the claim at the message budget; the first entry is always taken (the writer keeps entries within it).
    private const string ClaimSql = """
        WITH due AS (
            SELECT "Id", "Count", "DueAt" FROM "ForwardingOutbox" WHERE "ApplicationId" = @app AND "State" = 0 AND "DueAt" <= @now
            ORDER BY "DueAt", "Id" LIMIT @limit FOR UPDATE SKIP LOCKED),
        budget AS (SELECT "Id", SUM("Count") OVER (ORDER BY "DueAt", "Id") - "Count" AS "Before" FROM due)
        UPDATE "ForwardingOutbox" o SET "DueAt" = @lease, "Attempts" = o."Attempts" + 1
        FROM budget b WHERE o."Id" = b."Id" AND b."Before" < @limit
        RETURNING o."Id", o."MessageIds", o."Body", o."Attempts", o."EnqueuedAt", o."Count"
        """;

    private const string ReadSql = """
        SELECT "Id", "MessageIds", "Body", "Attempts" + 1, "EnqueuedAt", "Count" FROM "ForwardingOutbox"
        WHERE "ApplicationId" = @app AND "State" = 0 AND "DueAt" <= @now AND "Id" NOT IN (SELECT value FROM json_each(@skip))
        ORDER BY "DueAt", "Id" LIMIT @limit
        """;

    /// <summary>
    /// Due entries of the application, oldest first, holding at most <paramref name="messages"/> messages (at least one
    /// entry). <paramref name="skip"/>: entries whose outcomes are on their way to the database (on PostgreSQL their lease
    /// keeps them out already).
    /// </summary>
    public async Task<IReadOnlyList<ClaimedEntry>> ClaimAsync(Guid applicationId, int messages, DateTimeOffset now, DateTimeOffset leaseUntil,
        CancellationToken cancellationToken, IReadOnlyCollection<long>? skip = null)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var postgres = db.Database.IsNpgsql();
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = postgres ? ClaimSql : ReadSql;
        if (postgres) Add(command, "@lease", Value(leaseUntil, postgres));
        else Add(command, "@skip", System.Text.Json.JsonSerializer.Serialize(skip ?? []));
        Add(command, "@app", postgres ? applicationId : applicationId.ToString().ToUpperInvariant());
        Add(command, "@now", Value(now, postgres));
        Add(command, "@limit", messages);
        var claimed = new List<ClaimedEntry>();
        var total = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var enqueued = postgres ? reader.GetFieldValue<DateTimeOffset>(4) : new DateTimeOffset(reader.GetInt64(4), TimeSpan.Zero);
            var entry = new ClaimedEntry(reader.GetInt64(0), applicationId, reader.GetString(1), reader.GetInt32(5), reader.GetFieldValue<byte[]>(2),
                reader.GetInt32(3), enqueued);
            claimed.Add(entry);
            total += entry.Count;
            // SQLite reads in claim order: stop at the budget, as PostgreSQL's running total does.
            if (!postgres && total >= messages) break;
        }
        return claimed.OrderBy(c => c.Id).ToList();
    }

    /// <summary>
    /// Hands a pass's outcomes to the ingestion writer (see <see cref="OutboxOutcomesWorkItem"/>); the task returned ends when
    /// they are committed (false: the writer has stopped and took nothing, so the messages, still due, are sent again after
    /// the restart, which Pendo deduplicates by messageId). Once queued they are written even when nobody waits any more: the
    /// writer drains its queue before it stops.
    /// </summary>
    public async Task<Task<bool>> RecordAsync(OutboxOutcomes outcomes)
    {
        if (outcomes.IsEmpty) return Task.FromResult(true);
        var item = new OutboxOutcomesWorkItem(outcomes);
        if (!await queue.EnqueueAsync(item, CancellationToken.None)) return Task.FromResult(false);
        return Committed(item);

        static async Task<bool> Committed(OutboxOutcomesWorkItem item)
        {
            await item.Completion.Task;
            return true;
        }
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

    /// <summary>
    /// Forgets delivery counts older than <paramref name="countsBefore"/>, and tombstones (and delivered rows of earlier
    /// versions) older than <paramref name="tombstonesBefore"/>, a bounded chunk at a time; returns how many rows went.
    /// </summary>
    public async Task<int> PruneAsync(DateTimeOffset countsBefore, DateTimeOffset tombstonesBefore, CancellationToken cancellationToken, int chunk = 5000)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        // Read first: on SQLite a delete takes the write lock the ingestion writer needs, even when it finds nothing.
        var removed = 0;
        var counts = await db.ForwardingDeliveries.Where(d => d.DeliveredAt < countsBefore).OrderBy(d => d.Id).Select(d => d.Id).Take(chunk)
            .ToListAsync(cancellationToken);
        if (counts.Count > 0) removed += await db.ForwardingDeliveries.Where(d => counts.Contains(d.Id)).ExecuteDeleteAsync(cancellationToken);
        var tombstones = await db.ForwardingOutbox.Where(m => (m.State == OutboxState.Discarded || m.State == OutboxState.Delivered) && m.DueAt < tombstonesBefore)
            .OrderBy(m => m.Id).Select(m => m.Id).Take(chunk).ToListAsync(cancellationToken);
        if (tombstones.Count > 0) removed += await db.ForwardingOutbox.Where(m => tombstones.Contains(m.Id)).ExecuteDeleteAsync(cancellationToken);
        return removed;
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
