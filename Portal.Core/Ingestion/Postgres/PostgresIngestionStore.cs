using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using Portal.Core.Metadata;

namespace Portal.Core.Ingestion.Postgres;

/// <summary>
/// The writer's side of PostgreSQL. A group commit is two round trips whatever its size (three when traits are merged):
/// <c>BEGIN</c> and one <c>INSERT … SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING RETURNING</c> for the events (the
/// unique (ApplicationId, MessageId) index makes a message stored once even when two instances write it at the same
/// moment: the second waits for the first and then skips it), then array upserts for entities, catalogue and log with
/// <c>COMMIT</c> behind them.
/// </summary>
/// <remarks>
/// Several instances write the same tables, so every multi-row statement goes in key order (rows are locked in
/// one order: no deadlocks between instances), counters and type sets are merged in SQL, and a visitor's or
/// account's metadata is merged under the row lock the upsert already holds.
/// </remarks>
internal sealed partial class PostgresIngestionStore(NpgsqlDataSource dataSource, IngestionOptions options, PostgresIngestionAnnouncer announcer, ILogger logger)
    : IIngestionStore
{
    private NpgsqlConnection? _connection;

    private const string InsertEvents = """
        INSERT INTO "Events" ("ApplicationId", "MessageId", "Type", "Name", "VisitorId", "AccountId", "PayloadJson", "Timestamp", "ReceivedAt", "GroupType", "OriginalTimestamp")
        SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::timestamptz[], $10::text[], $11::timestamptz[])
        ON CONFLICT ("ApplicationId", "MessageId") DO NOTHING
        RETURNING "ApplicationId", "MessageId"
        """;

    // Default metadata, as SqliteIngestionStore keeps it (see the remark on days active there).
    private static string Counters(string table) => $"""
        "EventCount" = "{table}"."EventCount" + excluded."EventCount",
            "DaysActive" = "{table}"."DaysActive" + LEAST(excluded."DaysActive", GREATEST(0, excluded."LastActiveDay" - "{table}"."LastActiveDay")),
            "LastActiveDay" = GREATEST("{table}"."LastActiveDay", excluded."LastActiveDay")
        """;

    private static readonly string TouchVisitors = $$"""
        INSERT INTO "Visitors" ("ApplicationId", "VisitorId", "MetadataJson", "FirstSeen", "LastSeen", "EventCount", "DaysActive", "LastActiveDay")
        SELECT a, i, '{}', f, l, e, d, y FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::bigint[], $6::int[], $7::int[])
            AS t(a, i, f, l, e, d, y)
        ON CONFLICT ("ApplicationId", "VisitorId") DO UPDATE SET
            "FirstSeen" = LEAST("Visitors"."FirstSeen", excluded."FirstSeen"), "LastSeen" = GREATEST("Visitors"."LastSeen", excluded."LastSeen"),
            {{Counters("Visitors")}}
        """;

    private static readonly string TouchAccounts = $$"""
        INSERT INTO "Accounts" ("ApplicationId", "AccountId", "MetadataJson", "HasMetadata", "FirstSeen", "LastSeen", "EventCount", "DaysActive", "LastActiveDay")
        SELECT a, i, '{}', h, f, l, e, d, y
        FROM unnest($1::uuid[], $2::text[], $3::boolean[], $4::timestamptz[], $5::timestamptz[], $6::bigint[], $7::int[], $8::int[]) AS t(a, i, h, f, l, e, d, y)
        ON CONFLICT ("ApplicationId", "AccountId") DO UPDATE SET "HasMetadata" = "Accounts"."HasMetadata" OR excluded."HasMetadata",
            "FirstSeen" = LEAST("Accounts"."FirstSeen", excluded."FirstSeen"), "LastSeen" = GREATEST("Accounts"."LastSeen", excluded."LastSeen"),
            {{Counters("Accounts")}}
        """;

    private const string InsertLinks = """
        INSERT INTO "VisitorAccounts" ("ApplicationId", "VisitorId", "AccountId", "LinkedAt")
        SELECT a, v, c, $4 FROM unnest($1::uuid[], $2::text[], $3::text[]) AS t(a, v, c)
        ON CONFLICT DO NOTHING
        """;

    private const string UpsertFields = """
        INSERT INTO "MetadataFields" ("ApplicationId", "Kind", "GroupType", "EventName", "Name", "InferredType", "TypeOverride", "DisplayName", "Hidden",
            "TypesSeen", "ValuesTruncated", "Count", "FirstSeen", "LastSeen", "SamplesJson")
        SELECT a, k, g, e, n, it, NULL, NULL, false, ts, tr, c, f, l, s
        FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[], $6::int[], $7::int[], $8::boolean[], $9::bigint[],
                    $10::timestamptz[], $11::timestamptz[], $12::text[]) AS t(a, k, g, e, n, it, ts, tr, c, f, l, s)
        ON CONFLICT ("ApplicationId", "Kind", "GroupType", "EventName", "Name") DO UPDATE SET
            "TypesSeen" = "MetadataFields"."TypesSeen" | excluded."TypesSeen", "InferredType" = excluded."InferredType",
            "ValuesTruncated" = "MetadataFields"."ValuesTruncated" OR excluded."ValuesTruncated", "Count" = "MetadataFields"."Count" + excluded."Count",
            "FirstSeen" = LEAST("MetadataFields"."FirstSeen", excluded."FirstSeen"), "LastSeen" = GREATEST("MetadataFields"."LastSeen", excluded."LastSeen"),
            "SamplesJson" = excluded."SamplesJson"
        RETURNING "ApplicationId", "Kind", "GroupType", "EventName", "Name", "TypesSeen"
        """;

    private const string UpsertOverflows = """
        INSERT INTO "MetadataFieldOverflows" ("ApplicationId", "Kind", "GroupType", "DroppedCount", "LastDroppedAt")
        SELECT * FROM unnest($1::uuid[], $2::int[], $3::text[], $4::bigint[], $5::timestamptz[])
        ON CONFLICT ("ApplicationId", "Kind", "GroupType") DO UPDATE SET "DroppedCount" = "MetadataFieldOverflows"."DroppedCount" + excluded."DroppedCount",
            "LastDroppedAt" = GREATEST("MetadataFieldOverflows"."LastDroppedAt", excluded."LastDroppedAt")
        """;

    private const string InsertLog = """
        INSERT INTO "IngestionLog" ("ReceivedAt", "ApplicationId", "KeyHint", "Source", "StatusCode", "IdentifyCount", "GroupCount", "TrackCount", "OtherCount",
            "Accepted", "Duplicates", "Skipped", "Invalid", "FirstError", "OutcomesJson", "RawBody", "DurationMs")
        SELECT * FROM unnest($1::timestamptz[], $2::uuid[], $3::text[], $4::text[], $5::int[], $6::int[], $7::int[], $8::int[], $9::int[],
            $10::int[], $11::int[], $12::int[], $13::int[], $14::text[], $15::text[], $16::text[], $17::double precision[])
        """;

    private const string InsertOutbox = """
        INSERT INTO "ForwardingOutbox" ("ApplicationId", "MessageIds", "Count", "Body", "State", "EnqueuedAt", "DueAt", "Attempts")
        SELECT a, i, c, b, 0, $5, $5, 0 FROM unnest($1::uuid[], $2::text[], $3::int[], $4::bytea[]) AS t(a, i, c, b)
        """;

    public async Task<bool> WriteAsync(IngestionBatchPlan plan, WriterMemory memory, CancellationToken cancellationToken)
    {
        var connection = await ConnectionAsync(cancellationToken);
        try
        {
            // BEGIN goes with the events and COMMIT with the rest: a group commit is two round trips, not three. Npgsql's
            // transaction object would send COMMIT on its own; raw statements let it ride in the last batch.
            plan.Resolve(await InsertEventsAsync(connection, plan.Events, cancellationToken));

            var aggregate = plan.Aggregate;
            var visitorWrites = memory.Visitors.Plan(aggregate.Visitors, plan.FlushEntityCounts);
            var accountWrites = memory.Accounts.Plan(aggregate.Accounts, plan.FlushEntityCounts);
            var visitors = visitorWrites.Writes;
            var accounts = accountWrites.Writes;
            // Metadata is merged under the row locks the touch takes, which needs a round trip of its own (the merged rows are
            // written in the last batch); a batch without traits (track events) sends its touches with everything else below.
            var merge = visitors.Exists(v => v.Change.Fields is not null) || accounts.Exists(a => a.Change.Fields is not null);
            var merges = merge ? await TouchAndMergeAsync(connection, visitors, accounts, cancellationToken) : [];

            await memory.Catalogue.LoadMissingAsync(aggregate, group => LoadFieldsAsync(connection, group, cancellationToken));
            var catalogue = CataloguePlan.Build(aggregate, memory.Catalogue, memory.Fields, plan.FlushEntityCounts, plan.Now);

            var conflicts = new List<(FieldKey Key, int TypesSeen)>();
            await using (var batch = new NpgsqlBatch(connection))
            {
                // Tables in the same order on every path (events, visitors, accounts, fields, …): instances never deadlock.
                if (!merge) AddTouches(batch, visitors, accounts);
                foreach (var command in merges) batch.BatchCommands.Add(command);
                if (catalogue.Fields.Count > 0) batch.BatchCommands.Add(FieldsCommand(catalogue.Fields));
                if (catalogue.Overflows.Count > 0) batch.BatchCommands.Add(OverflowsCommand(catalogue.Overflows));
                if (aggregate.Links.Count > 0) batch.BatchCommands.Add(LinksCommand(aggregate.Links, plan.Now));
                if (plan.LogEntries.Count > 0) batch.BatchCommands.Add(LogCommand(plan.LogEntries));
                if (plan.OutboxEntries.Count > 0) batch.BatchCommands.Add(OutboxCommand(plan.OutboxEntries, plan.Now));
                AddOutboxOutcomes(batch, plan.OutboxOutcomes);
                if (plan.KeysToTouch.Count > 0)
                {
                    batch.BatchCommands.Add(Command("""UPDATE "ApiKeys" SET "LastUsedAt" = $1 WHERE "Id" = ANY($2)""",
                        Utc(plan.Now), plan.KeysToTouch.ToArray()));
                }
                batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));

                await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
                var planned = catalogue.Fields.ToDictionary(f => f.Key, f => f.TypesSeen);
                do
                {
                    // The field upsert's RETURNING is the only six-column result.
                    if (reader.FieldCount != 6) continue;
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        var key = new FieldKey(reader.GetGuid(0), (FieldKind)reader.GetInt32(1), reader.GetString(2), reader.GetString(3), reader.GetString(4));
                        var typesSeen = reader.GetInt32(5);
                        // Another instance saw more types than this one knew of: the inferred type must say so too.
                        if (planned.TryGetValue(key, out var mine) && mine != typesSeen) conflicts.Add((key, typesSeen));
                    }
                }
                // Reading to the end is what surfaces a failed COMMIT.
                while (await reader.NextResultAsync(cancellationToken));
            }

            // Committed. A commit that only flushes waiting counts has no news for other instances.
            if (plan.ApplicationIds.Count > 0) announcer.Committed(plan.ApplicationIds, plan.StoredCount, catalogue.NewFields);
            memory.Visitors.Committed(visitorWrites);
            memory.Accounts.Committed(accountWrites);
            memory.Fields.Committed(catalogue.Writes);
            await FixInferredTypesAsync(connection, memory.Catalogue, conflicts);
            return catalogue.NewFields;
        }
        catch
        {
            // A broken connection is replaced on the next batch; an open one must not carry the failed transaction into it.
            if (IsBroken(connection)) await DropConnectionAsync();
            else await RollBackAsync(connection);
            throw;
        }
    }

    private async Task RollBackAsync(NpgsqlConnection connection)
    {
        try
        {
            await using var rollback = new NpgsqlCommand("ROLLBACK", connection);
            await rollback.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            logger.LogDebug(ex, "Rolling back a failed ingestion transaction failed; the connection is replaced");
            await DropConnectionAsync();
        }
    }

    private static async Task<bool[]> InsertEventsAsync(NpgsqlConnection connection, IReadOnlyList<PlannedEvent> events, CancellationToken cancellationToken)
    {
        var stored = new bool[events.Count];
        if (events.Count == 0)
        {
            await using var begin = new NpgsqlCommand("BEGIN", connection);
            await begin.ExecuteNonQueryAsync(cancellationToken);
            return stored;
        }
        // Key order, so two instances inserting overlapping messageIds wait on each other instead of deadlocking.
        var order = Enumerable.Range(0, events.Count).ToArray();
        Array.Sort(order, (x, y) =>
        {
            var byApp = events[x].ApplicationId.CompareTo(events[y].ApplicationId);
            return byApp != 0 ? byApp : string.CompareOrdinal(events[x].Message.MessageId, events[y].Message.MessageId);
        });
        var n = events.Count;
        var apps = new Guid[n];
        var ids = new string[n];
        var types = new string[n];
        var names = new string?[n];
        var visitors = new string?[n];
        var accounts = new string?[n];
        var payloads = new string?[n];
        var timestamps = new DateTimeOffset[n];
        var received = new DateTimeOffset[n];
        var groupTypes = new string[n];
        var originals = new DateTimeOffset?[n];
        for (var i = 0; i < n; i++)
        {
            var (app, receivedAt, message, _) = events[order[i]];
            apps[i] = app;
            ids[i] = message.MessageId;
            types[i] = message.Type;
            names[i] = message.EventName;
            visitors[i] = message.VisitorId;
            accounts[i] = message.AccountId;
            payloads[i] = message.PayloadJson;
            timestamps[i] = Utc(message.Timestamp);
            received[i] = Utc(receivedAt);
            groupTypes[i] = message.GroupType;
            originals[i] = message.OriginalTimestamp is { } original ? Utc(original) : null;
        }

        await using var batch = new NpgsqlBatch(connection) { BatchCommands = { new NpgsqlBatchCommand("BEGIN") } };
        var insert = new NpgsqlBatchCommand(InsertEvents);
        Add(insert.Parameters, apps, ids, types, names, visitors, accounts, payloads, timestamps, received, groupTypes, originals);
        batch.BatchCommands.Add(insert);
        var inserted = new HashSet<(Guid, string)>();
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            do
            {
                while (await reader.ReadAsync(cancellationToken)) inserted.Add((reader.GetGuid(0), reader.GetString(1)));
            }
            while (await reader.NextResultAsync(cancellationToken));
        }
        // The same messageId twice in one batch is inserted once: the first in request order is the stored one.
        for (var i = 0; i < n; i++) stored[i] = inserted.Remove((events[i].ApplicationId, events[i].Message.MessageId));
        return stored;
    }

    /// <summary>
    /// The touches of a batch that brings traits, in a round trip of their own: the upsert locks each row (new or existing)
    /// until commit and returns its metadata, so the merge is safe across instances. Returns the updates that write the
    /// merged metadata, for the last batch.
    /// </summary>
    private static async Task<List<NpgsqlBatchCommand>> TouchAndMergeAsync(NpgsqlConnection connection, List<(Guid App, string Id, EntityChange Change)> visitors,
        List<(Guid App, string Id, EntityChange Change)> accounts, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection);
        AddTouches(batch, visitors, accounts, returnMetadata: true);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        // One result per touch, visitors first.
        var visitorRows = visitors.Count > 0 ? await MetadataAsync(reader, cancellationToken) : [];
        var accountRows = accounts.Count > 0 ? await MetadataAsync(reader, cancellationToken) : [];
        return [.. new[] { MergeCommand("Visitors", "VisitorId", visitors, visitorRows), MergeCommand("Accounts", "AccountId", accounts, accountRows) }
            .OfType<NpgsqlBatchCommand>()];
    }

    private static async Task<Dictionary<(Guid, string), string>> MetadataAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var rows = new Dictionary<(Guid, string), string>();
        while (await reader.ReadAsync(cancellationToken)) rows[(reader.GetGuid(0), reader.GetString(1))] = reader.GetString(2);
        await reader.NextResultAsync(cancellationToken);
        return rows;
    }

    private static void AddTouches(NpgsqlBatch batch, List<(Guid App, string Id, EntityChange Change)> visitors,
        List<(Guid App, string Id, EntityChange Change)> accounts, bool returnMetadata = false)
    {
        if (visitors.Count > 0)
            batch.BatchCommands.Add(Command(returnMetadata ? TouchVisitorsReturningMetadata : TouchVisitors,
                visitors.Select(v => v.App).ToArray(), visitors.Select(v => v.Id).ToArray(),
                visitors.Select(v => Utc(v.Change.First)).ToArray(), visitors.Select(v => Utc(v.Change.Last)).ToArray(),
                visitors.Select(v => v.Change.Events).ToArray(), visitors.Select(v => v.Change.DayCount).ToArray(),
                visitors.Select(v => v.Change.LastDay).ToArray()));
        if (accounts.Count > 0)
            batch.BatchCommands.Add(Command(returnMetadata ? TouchAccountsReturningMetadata : TouchAccounts,
                accounts.Select(a => a.App).ToArray(), accounts.Select(a => a.Id).ToArray(),
                accounts.Select(a => a.Change.HasMetadata).ToArray(), accounts.Select(a => Utc(a.Change.First)).ToArray(),
                accounts.Select(a => Utc(a.Change.Last)).ToArray(), accounts.Select(a => a.Change.Events).ToArray(),
                accounts.Select(a => a.Change.DayCount).ToArray(), accounts.Select(a => a.Change.LastDay).ToArray()));
    }

    // The row as the upsert left it: its metadata is the stored one (a new row's is '{}'). Built once: the text is the
    // auto-prepared statement's key.
    private static readonly string TouchVisitorsReturningMetadata = TouchVisitors + "\nRETURNING \"ApplicationId\", \"VisitorId\", \"MetadataJson\"";
    private static readonly string TouchAccountsReturningMetadata = TouchAccounts + "\nRETURNING \"ApplicationId\", \"AccountId\", \"MetadataJson\"";

    /// <summary>The update writing the merged metadata (and names) of the entities that brought traits, or null when none did.</summary>
    private static NpgsqlBatchCommand? MergeCommand(string table, string idColumn, List<(Guid App, string Id, EntityChange Change)> entities,
        Dictionary<(Guid, string), string> existing)
    {
        var withFields = entities.Where(e => e.Change.Fields is not null).ToList();
        if (withFields.Count == 0) return null;
        var merged = withFields.Select(e => MetadataMerge.Apply(existing.GetValueOrDefault((e.App, e.Id)), e.Change.Fields!)).ToArray();
        var names = withFields.Select(e => EntityNames.From(e.Change)).ToArray();
        // Accounts keep a name only; visitors a name and an email.
        var email = table == "Visitors" ? """, "Email" = COALESCE(k.e, t."Email")""" : "";
        return Command($"""
            UPDATE "{table}" t SET "MetadataJson" = k.m, "DisplayName" = COALESCE(k.n, t."DisplayName"){email}
            FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[]) AS k(a, i, m, n, e)
            WHERE t."ApplicationId" = k.a AND t."{idColumn}" = k.i
            """, withFields.Select(e => e.App).ToArray(), withFields.Select(e => e.Id).ToArray(), merged,
            names.Select(n => n.Name).ToArray(), names.Select(n => n.Email).ToArray());
    }

    private static async ValueTask<IReadOnlyList<StoredField>> LoadFieldsAsync(NpgsqlConnection connection, FieldGroupKey group, CancellationToken cancellationToken)
    {
        await using var command = Single(connection, """
            SELECT "EventName", "Name", "TypesSeen", "SamplesJson" FROM "MetadataFields" WHERE "ApplicationId" = $1 AND "Kind" = $2 AND "GroupType" = $3
            """, group.App, (int)group.Kind, group.GroupType);
        var fields = new List<StoredField>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) fields.Add(new StoredField(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetString(3)));
        return fields;
    }

    /// <summary>
    /// After the commit, when another instance saw more types of a field than this one knew of: the memory learns them first,
    /// then each row's inferred type is corrected on its own. The batch is stored whatever becomes of these; a correction that
    /// fails is made by the next batch that writes the field, from the corrected memory.
    /// </summary>
    private async Task FixInferredTypesAsync(NpgsqlConnection connection, FieldCatalogueCache cache, List<(FieldKey Key, int TypesSeen)> conflicts)
    {
        foreach (var (key, typesSeen) in conflicts)
        {
            // A flushed row's group may not be in memory (it was forgotten after a failed batch): it is read again when next needed.
            var group = new FieldGroupKey(key.App, key.Kind, key.GroupType);
            if (cache.IsLoaded(group) && cache.Group(group).TryGet(key.EventName, key.Name, out var state)) state.TypesSeen = typesSeen;
        }
        try
        {
            foreach (var (key, typesSeen) in conflicts)
            {
                await using var command = Single(connection, """
                    UPDATE "MetadataFields" SET "InferredType" = $6
                    WHERE "ApplicationId" = $1 AND "Kind" = $2 AND "GroupType" = $3 AND "EventName" = $4 AND "Name" = $5
                    """, key.App, (int)key.Kind, key.GroupType, key.EventName, key.Name, (int)FieldTypeInference.Infer(typesSeen));
                await command.ExecuteNonQueryAsync(CancellationToken.None);
            }
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Correcting a field's inferred type after a commit failed; the next batch that writes the field corrects it");
            if (IsBroken(connection)) await DropConnectionAsync();
        }
    }

    private static NpgsqlBatchCommand FieldsCommand(List<FieldUpsert> fields)
    {
        var sorted = fields.OrderBy(f => f.Key.App).ThenBy(f => (int)f.Key.Kind).ThenBy(f => f.Key.GroupType, StringComparer.Ordinal)
            .ThenBy(f => f.Key.EventName, StringComparer.Ordinal).ThenBy(f => f.Key.Name, StringComparer.Ordinal).ToList();
        return Command(UpsertFields,
            sorted.Select(f => f.Key.App).ToArray(), sorted.Select(f => (int)f.Key.Kind).ToArray(), sorted.Select(f => f.Key.GroupType).ToArray(),
            sorted.Select(f => f.Key.EventName).ToArray(), sorted.Select(f => f.Key.Name).ToArray(), sorted.Select(f => (int)f.InferredType).ToArray(),
            sorted.Select(f => f.TypesSeen).ToArray(), sorted.Select(f => f.Truncated).ToArray(), sorted.Select(f => f.Count).ToArray(),
            sorted.Select(f => Utc(f.First)).ToArray(), sorted.Select(f => Utc(f.Last)).ToArray(), sorted.Select(f => f.SamplesJson).ToArray());
    }

    private static NpgsqlBatchCommand OverflowsCommand(List<FieldOverflow> overflows)
    {
        var sorted = overflows.OrderBy(o => o.Group.App).ThenBy(o => (int)o.Group.Kind).ThenBy(o => o.Group.GroupType, StringComparer.Ordinal).ToList();
        return Command(UpsertOverflows, sorted.Select(o => o.Group.App).ToArray(), sorted.Select(o => (int)o.Group.Kind).ToArray(),
            sorted.Select(o => o.Group.GroupType).ToArray(), sorted.Select(o => o.Count).ToArray(), sorted.Select(o => Utc(o.At)).ToArray());
    }

    private static NpgsqlBatchCommand LinksCommand(HashSet<(Guid App, string VisitorId, string AccountId)> links, DateTimeOffset now)
    {
        var sorted = links.OrderBy(l => l.App).ThenBy(l => l.VisitorId, StringComparer.Ordinal).ThenBy(l => l.AccountId, StringComparer.Ordinal).ToList();
        return Command(InsertLinks, sorted.Select(l => l.App).ToArray(), sorted.Select(l => l.VisitorId).ToArray(),
            sorted.Select(l => l.AccountId).ToArray(), Utc(now));
    }

    /// <summary>The commit's messages for Pendo, a row per application; the outbox has no unique key, so instances never wait on each other here.</summary>
    private static NpgsqlBatchCommand OutboxCommand(IReadOnlyList<PlannedOutboxEntry> entries, DateTimeOffset now) => Command(InsertOutbox,
        entries.Select(e => e.ApplicationId).ToArray(), entries.Select(e => e.MessageIds).ToArray(), entries.Select(e => e.Count).ToArray(),
        entries.Select(e => e.Body).ToArray(), Utc(now));

    private static NpgsqlBatchCommand LogCommand(IReadOnlyList<PlannedLogEntry> log) => Command(InsertLog,
        log.Select(l => Utc(l.ReceivedAt)).ToArray(), log.Select(l => l.ApplicationId).ToArray(), log.Select(l => l.KeyHint).ToArray(),
        log.Select(l => l.Source).ToArray(), log.Select(l => l.StatusCode).ToArray(), log.Select(l => l.IdentifyCount).ToArray(),
        log.Select(l => l.GroupCount).ToArray(), log.Select(l => l.TrackCount).ToArray(), log.Select(l => l.OtherCount).ToArray(),
        log.Select(l => l.Accepted).ToArray(), log.Select(l => l.Duplicates).ToArray(), log.Select(l => l.Skipped).ToArray(),
        log.Select(l => l.Invalid).ToArray(), log.Select(l => l.FirstError).ToArray(), log.Select(l => l.OutcomesJson).ToArray(),
        log.Select(l => l.RawBody).ToArray(), log.Select(l => l.DurationMs).ToArray());

    /// <summary>Deletes log entries past retention (age, then count) and raw bodies past the per-app sample, a bounded chunk at a time.</summary>
    public async Task<int> PruneAsync(DateTimeOffset now, IReadOnlyCollection<Guid> sampledApps, CancellationToken cancellationToken)
    {
        const int chunk = 5000;
        var connection = await ConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var removed = await Single(connection, """
            DELETE FROM "IngestionLog" WHERE "Id" IN (SELECT "Id" FROM "IngestionLog" WHERE "ReceivedAt" < $1 ORDER BY "ReceivedAt" LIMIT $2)
            """, Utc(now - TimeSpan.FromDays(options.LogRetentionDays)), chunk).ExecuteNonQueryAsync(cancellationToken);
        removed += await Single(connection, """
            DELETE FROM "IngestionLog" WHERE "Id" IN (
                SELECT "Id" FROM "IngestionLog" WHERE "Id" <= (SELECT "Id" FROM "IngestionLog" ORDER BY "Id" DESC LIMIT 1 OFFSET $1) ORDER BY "Id" LIMIT $2)
            """, options.LogMaxEntries, chunk).ExecuteNonQueryAsync(cancellationToken);
        foreach (var app in sampledApps)
        {
            await Single(connection, """
                UPDATE "IngestionLog" SET "RawBody" = NULL
                WHERE "ApplicationId" = $1 AND "Invalid" = 0 AND "StatusCode" < 300 AND "RawBody" IS NOT NULL
                  AND "Id" < (SELECT "Id" FROM "IngestionLog" WHERE "ApplicationId" = $1 AND "Invalid" = 0 AND "StatusCode" < 300 AND "RawBody" IS NOT NULL
                              ORDER BY "Id" DESC LIMIT 1 OFFSET $2)
                """, app, Math.Max(0, options.RawBodySamplePerApp - 1)).ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return removed;
    }

    /// <summary>
    /// Deletes the next chunk of expired track events behind the retention watermark. Several instances may run this at
    /// once: the watermark row is locked first (FOR UPDATE), so each chunk is deleted by one of them.
    /// </summary>
    public async Task<int> DeleteExpiredTrackEventsAsync(DateTimeOffset cutoff, int chunk, CancellationToken cancellationToken)
    {
        var connection = await ConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await Single(connection, """
            INSERT INTO "IndexWatermarks" ("Name", "EventId") VALUES ($1, 0) ON CONFLICT ("Name") DO NOTHING
            """, SqliteIngestionStore.RetentionWatermark).ExecuteNonQueryAsync(cancellationToken);
        var mark = (long)(await Single(connection, """SELECT "EventId" FROM "IndexWatermarks" WHERE "Name" = $1 FOR UPDATE""",
            SqliteIngestionStore.RetentionWatermark).ExecuteScalarAsync(cancellationToken))!;
        long last = 0;
        await using (var read = Single(connection, """SELECT "Id", "ReceivedAt" FROM "Events" WHERE "Id" > $1 ORDER BY "Id" LIMIT $2""", mark, chunk))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            // Two instances insert concurrently, so ids follow the time received only roughly: stop at the first newer one.
            while (await reader.ReadAsync(cancellationToken) && reader.GetFieldValue<DateTimeOffset>(1) < cutoff) last = reader.GetInt64(0);
        }
        if (last == 0) return 0;
        var deleted = await Single(connection, """DELETE FROM "Events" WHERE "Id" > $1 AND "Id" <= $2 AND "Type" = 'track'""", mark, last)
            .ExecuteNonQueryAsync(cancellationToken);
        await Single(connection, """UPDATE "IndexWatermarks" SET "EventId" = $2 WHERE "Name" = $1""", SqliteIngestionStore.RetentionWatermark, last)
            .ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return Math.Max(deleted, 1);
    }

    /// <summary>PostgreSQL keeps its own house (autovacuum, checkpoints); a visitor's events are read through a plain index.</summary>
    public Task HousekeepAsync(bool idle, CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task<NpgsqlConnection> ConnectionAsync(CancellationToken cancellationToken)
    {
        if (_connection is { State: System.Data.ConnectionState.Open }) return _connection;
        await DropConnectionAsync();
        _connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // A table or row lock held elsewhere is waited for once, boundedly; then the writer turns its queue away with 503.
        await using (var timeout = new NpgsqlCommand($"SET lock_timeout = '{options.LockWaitSeconds}s'", _connection))
            await timeout.ExecuteNonQueryAsync(cancellationToken);
        return _connection;
    }

    private static bool IsBroken(NpgsqlConnection connection) =>
        connection.FullState.HasFlag(System.Data.ConnectionState.Broken) || connection.State != System.Data.ConnectionState.Open;

    private async Task DropConnectionAsync()
    {
        if (_connection is null) return;
        try { await _connection.DisposeAsync(); }
        catch (Exception ex) { logger.LogDebug(ex, "Closing a broken ingestion connection failed"); }
        _connection = null;
    }

    public async ValueTask DisposeAsync() => await DropConnectionAsync();

    private static DateTimeOffset Utc(DateTimeOffset value) => value.ToUniversalTime();

    private static NpgsqlBatchCommand Command(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        Add(command.Parameters, values);
        return command;
    }

    private static NpgsqlCommand Single(NpgsqlConnection connection, string sql, params object?[] values)
    {
        var command = new NpgsqlCommand(sql, connection);
        Add(command.Parameters, values);
        return command;
    }

    private static void Add(NpgsqlParameterCollection parameters, params object?[] values)
    {
        foreach (var value in values) parameters.Add(value is null ? new NpgsqlParameter { Value = DBNull.Value } : new NpgsqlParameter { Value = value });
    }
}

/// <summary>The NOTIFY channel that tells every instance's open pages that commits happened somewhere (one message may stand for several).</summary>
internal static class IngestionChannel
{
    public const string Name = "portal_ingestion";

    /// <summary>Which applications changed; NOTIFY payloads stop at 8,000 bytes, so past 150 applications the list is left out (pages then wait for their next own commit).</summary>
    public static string Payload(Guid instanceId, IReadOnlyCollection<Guid> applicationIds, int eventCount, bool newFields) =>
        JsonSerializer.Serialize(new ChannelMessage(instanceId, applicationIds.Count <= 150 ? [.. applicationIds] : [], eventCount, newFields));

    public static ChannelMessage? Parse(string payload)
    {
        try { return JsonSerializer.Deserialize<ChannelMessage>(payload); }
        catch (JsonException) { return null; }
    }

    internal sealed record ChannelMessage(Guid Instance, Guid[] Apps, int Events, bool NewFields);
}

/// <summary>The NOTIFY channel that tells every instance's writer to forget an application's catalogue (see <see cref="CatalogueInvalidation"/>).</summary>
internal static class CatalogueChannel
{
    public const string Name = "portal_catalogue";

    public static string Payload(Guid instanceId, Guid? applicationId) => JsonSerializer.Serialize(new ChannelMessage(instanceId, applicationId));

    public static ChannelMessage? Parse(string payload)
    {
        try { return JsonSerializer.Deserialize<ChannelMessage>(payload); }
        catch (JsonException) { return null; }
    }

    internal sealed record ChannelMessage(Guid Instance, Guid? App);
}
