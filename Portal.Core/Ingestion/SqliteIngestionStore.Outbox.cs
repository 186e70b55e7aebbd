using Microsoft.Data.Sqlite;
using Portal.Core.Forwarding;

namespace Portal.Core.Ingestion;

/// <summary>The outbox on the writer's connection: the commit's entries, and the forwarder's outcomes (see <see cref="OutboxOutcomesWorkItem"/>).</summary>
internal sealed partial class SqliteIngestionStore
{
    /// <summary>The commit's messages for Pendo: a row per application (see <see cref="IngestionBatchPlan.OutboxEntries"/>), the JSON as UTF-8 bytes.</summary>
    private void WriteOutbox(IngestionBatchPlan plan)
    {
        foreach (var entry in plan.OutboxEntries)
        {
            var p = _insertOutbox.Parameters;
            p[0].Value = Text(entry.ApplicationId);
            p[1].Value = entry.MessageIds;
            p[2].Value = entry.Count;
            p[3].Value = entry.Body;
            p[4].Value = plan.Now.UtcTicks;
            _insertOutbox.ExecuteNonQuery();
        }
    }

    public Task WriteOutboxOutcomesAsync(IReadOnlyList<OutboxOutcomes> outcomes, CancellationToken cancellationToken)
    {
        using var transaction = _connection.BeginTransaction();
        WriteOutboxOutcomes(transaction, outcomes);
        transaction.Commit();
        return Task.CompletedTask;
    }

    private void WriteOutboxOutcomes(SqliteTransaction transaction, IReadOnlyList<OutboxOutcomes> outcomes)
    {
        if (outcomes.Count == 0) return;
        var deleted = outcomes.SelectMany(o => o.Deleted).ToList();
        if (deleted.Count > 0)
        {
            using var delete = OutboxCommand(transaction, "DELETE FROM ForwardingOutbox WHERE Id IN (SELECT value FROM json_each($ids))", "$ids");
            delete.Parameters[0].Value = System.Text.Json.JsonSerializer.Serialize(deleted);
            delete.ExecuteNonQuery();
        }
        using (var update = OutboxCommand(transaction, """
            UPDATE ForwardingOutbox SET State = $state, DueAt = $due, Attempts = $attempts, LastStatus = $status, LastError = $error
            WHERE Id = $id AND Body IS NOT NULL
            """, "$id", "$state", "$due", "$attempts", "$status", "$error"))
        {
            foreach (var u in outcomes.SelectMany(o => o.Updated))
            {
                var p = update.Parameters;
                p[0].Value = u.Id;
                p[1].Value = (int)u.State;
                p[2].Value = u.DueAt.UtcTicks;
                p[3].Value = u.Attempts;
                p[4].Value = (object?)u.Status ?? DBNull.Value;
                p[5].Value = u.Error;
                update.ExecuteNonQuery();
            }
        }
        using (var remove = OutboxCommand(transaction, "DELETE FROM ForwardingOutbox WHERE Id = $id AND Body IS NOT NULL AND Count = $count", "$id", "$count"))
        using (var insert = OutboxCommand(transaction, """
            INSERT INTO ForwardingOutbox (ApplicationId, MessageIds, Count, Body, State, EnqueuedAt, DueAt, Attempts, LastStatus, LastError)
            VALUES ($app, $ids, $count, $body, $state, $enqueued, $due, $attempts, $status, $error)
            """, "$app", "$ids", "$count", "$body", "$state", "$enqueued", "$due", "$attempts", "$status", "$error"))
        {
            foreach (var split in outcomes.SelectMany(o => o.Split))
            {
                remove.Parameters[0].Value = split.Id;
                remove.Parameters[1].Value = split.Count;
                if (remove.ExecuteNonQuery() == 0) continue;
                foreach (var e in split.Replacements)
                {
                    var p = insert.Parameters;
                    p[0].Value = Text(e.ApplicationId);
                    p[1].Value = e.MessageIds;
                    p[2].Value = e.Count;
                    p[3].Value = (object?)e.Body ?? DBNull.Value;
                    p[4].Value = (int)e.State;
                    p[5].Value = e.EnqueuedAt.UtcTicks;
                    p[6].Value = e.DueAt.UtcTicks;
                    p[7].Value = e.Attempts;
                    p[8].Value = (object?)e.LastStatus ?? DBNull.Value;
                    p[9].Value = (object?)e.LastError ?? DBNull.Value;
                    insert.ExecuteNonQuery();
                }
            }
        }
        using (var count = OutboxCommand(transaction, "INSERT INTO ForwardingDeliveries (ApplicationId, DeliveredAt, Count) VALUES ($app, $at, $count)",
            "$app", "$at", "$count"))
        {
            foreach (var pass in outcomes)
            {
                foreach (var (app, n) in pass.DeliveredPerApplication)
                {
                    count.Parameters[0].Value = Text(app);
                    count.Parameters[1].Value = pass.At.UtcTicks;
                    count.Parameters[2].Value = n;
                    count.ExecuteNonQuery();
                }
            }
        }
    }

    private SqliteCommand OutboxCommand(SqliteTransaction transaction, string sql, params string[] parameters)
    {
        var command = Command(sql, parameters);
        command.Transaction = transaction;
        return command;
    }
}
