using Npgsql;
using Portal.Core.Forwarding;

namespace Portal.Core.Ingestion.Postgres;

/// <summary>The forwarder's outcomes, written by this instance's writer, with a batch or alone (see <see cref="OutboxOutcomesWorkItem"/>).</summary>
internal sealed partial class PostgresIngestionStore
{
    // The replacements go in only when the entry was still as claimed (see OutboxSplit).
    private const string SplitEntry = """
        WITH gone AS (DELETE FROM "ForwardingOutbox" WHERE "Id" = $1 AND "Body" IS NOT NULL AND "Count" = $2 RETURNING 1)
        INSERT INTO "ForwardingOutbox" ("ApplicationId", "MessageIds", "Count", "Body", "State", "EnqueuedAt", "DueAt", "Attempts", "LastStatus", "LastError")
        SELECT * FROM unnest($3::uuid[], $4::text[], $5::int[], $6::bytea[], $7::int[], $8::timestamptz[], $9::timestamptz[], $10::int[], $11::int[], $12::text[])
        WHERE EXISTS (SELECT 1 FROM gone)
        """;

    public async Task WriteOutboxOutcomesAsync(IReadOnlyList<OutboxOutcomes> outcomes, CancellationToken cancellationToken)
    {
        var connection = await ConnectionAsync(cancellationToken);
        try
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var batch = new NpgsqlBatch(connection))
            {
                AddOutboxOutcomes(batch, outcomes);
                if (batch.BatchCommands.Count == 0) return;
                await batch.ExecuteNonQueryAsync(cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
        }
        catch
        {
            if (IsBroken(connection)) await DropConnectionAsync();
            throw;
        }
    }

    /// <summary>The outcomes' statements; they return no rows. Rows in id order: two instances whose leases overlapped lock shared rows in the same order.</summary>
    private static void AddOutboxOutcomes(NpgsqlBatch batch, IReadOnlyList<OutboxOutcomes> outcomes)
    {
        var deleted = outcomes.SelectMany(o => o.Deleted).Distinct().Order().ToArray();
        if (deleted.Length > 0) batch.BatchCommands.Add(Command("""DELETE FROM "ForwardingOutbox" WHERE "Id" = ANY($1)""", deleted));
        foreach (var u in outcomes.SelectMany(o => o.Updated).OrderBy(u => u.Id))
        {
            batch.BatchCommands.Add(Command("""
                UPDATE "ForwardingOutbox" SET "State" = $2, "DueAt" = $3, "Attempts" = $4, "LastStatus" = $5, "LastError" = $6
                WHERE "Id" = $1 AND "Body" IS NOT NULL
                """, u.Id, (int)u.State, Utc(u.DueAt), u.Attempts, u.Status, u.Error));
        }
        foreach (var split in outcomes.SelectMany(o => o.Split).OrderBy(s => s.Id))
        {
            var r = split.Replacements;
            batch.BatchCommands.Add(Command(SplitEntry, split.Id, split.Count, r.Select(e => e.ApplicationId).ToArray(),
                r.Select(e => e.MessageIds).ToArray(), r.Select(e => e.Count).ToArray(), r.Select(e => e.Body).ToArray(),
                r.Select(e => (int)e.State).ToArray(), r.Select(e => Utc(e.EnqueuedAt)).ToArray(), r.Select(e => Utc(e.DueAt)).ToArray(),
                r.Select(e => e.Attempts).ToArray(), r.Select(e => e.LastStatus).ToArray(), r.Select(e => e.LastError).ToArray()));
        }
        foreach (var pass in outcomes)
        {
            foreach (var (app, count) in pass.DeliveredPerApplication)
            {
                batch.BatchCommands.Add(Command("""INSERT INTO "ForwardingDeliveries" ("ApplicationId", "DeliveredAt", "Count") VALUES ($1, $2, $3)""",
                    app, Utc(pass.At), count));
            }
        }
    }
}
