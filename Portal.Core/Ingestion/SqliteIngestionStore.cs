using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Core.Metadata;
using Portal.Core.Visitors;

namespace Portal.Core.Ingestion;

/// <summary>
/// The writer's side of SQLite: one long-lived connection and prepared commands, so an accepted
/// message costs about one row write. DateTimeOffset columns hold UTC ticks and Guids upper-case
/// text, as EF Core writes them (see SqlitePortalDbContext).
/// </summary>
internal sealed class SqliteIngestionStore : IAsyncDisposable
{
    // The deferred visitor index catches up four times a second under load: rarely enough that each
    // visitor's index page is written once for many events, often enough that each pause (10-35 ms at
    // bench/ingest.sh's single-message rate) stays inside the 50 ms p99 budget and readers' unindexed tail stays small.
    private static readonly TimeSpan VisitorIndexInterval = TimeSpan.FromMilliseconds(250);
    private const int VisitorIndexMaxBehind = 50_000;

    private readonly PortalDbContext _db;
    private readonly SqliteConnection _connection;
    private readonly IngestionOptions _options;
    private readonly FieldCatalogueCache _catalogue;
    private readonly EntitySeenCache _visitorsSeen = new();
    private readonly EntitySeenCache _accountsSeen = new();

    private readonly SqliteCommand _insertEvent;
    private readonly SqliteCommand _touchVisitor;
    private readonly SqliteCommand _selectVisitor;
    private readonly SqliteCommand _upsertVisitor;
    private readonly SqliteCommand _touchAccount;
    private readonly SqliteCommand _selectAccount;
    private readonly SqliteCommand _upsertAccount;
    private readonly SqliteCommand _insertLink;
    private readonly SqliteCommand _upsertField;
    private readonly SqliteCommand _upsertOverflow;
    private readonly SqliteCommand _insertLog;
    private readonly SqliteCommand _touchKey;
    private readonly SqliteCommand _catchUpVisitorIndex;
    private readonly SqliteCommand _checkpoint;
    private readonly SqliteCommand[] _all;
    // An earlier run may have stopped with events past the watermark: counted as behind, and as never caught
    // up, the first batch or housekeeping indexes them, after its requests are answered rather than before.
    private int _eventsNotIndexed = 1;
    private long _lastVisitorIndexCatchUp;

    private SqliteIngestionStore(PortalDbContext db, SqliteConnection connection, IngestionOptions options)
    {
        _db = db;
        _connection = connection;
        _options = options;
        _catalogue = new FieldCatalogueCache(connection, options.MaxFieldsPerKind);

        _insertEvent = Command("""
            INSERT INTO Events (ApplicationId, MessageId, Type, Name, VisitorId, AccountId, PayloadJson, Timestamp, ReceivedAt, GroupType, OriginalTimestamp)
            VALUES ($app, $messageId, $type, $name, $visitor, $account, $payload, $ts, $received, $groupType, $original)
            ON CONFLICT (ApplicationId, MessageId) DO NOTHING
            """, "$app", "$messageId", "$type", "$name", "$visitor", "$account", "$payload", "$ts", "$received", "$groupType", "$original");
        _touchVisitor = Command("""
            INSERT INTO Visitors (ApplicationId, VisitorId, MetadataJson, FirstSeen, LastSeen) VALUES ($app, $id, '{}', $first, $last)
            ON CONFLICT (ApplicationId, VisitorId) DO UPDATE SET FirstSeen = min(FirstSeen, excluded.FirstSeen), LastSeen = max(LastSeen, excluded.LastSeen)
            """, "$app", "$id", "$first", "$last");
        _selectVisitor = Command("SELECT MetadataJson FROM Visitors WHERE ApplicationId = $app AND VisitorId = $id", "$app", "$id");
        _upsertVisitor = Command("""
            INSERT INTO Visitors (ApplicationId, VisitorId, MetadataJson, FirstSeen, LastSeen) VALUES ($app, $id, $meta, $first, $last)
            ON CONFLICT (ApplicationId, VisitorId) DO UPDATE SET MetadataJson = excluded.MetadataJson,
                FirstSeen = min(FirstSeen, excluded.FirstSeen), LastSeen = max(LastSeen, excluded.LastSeen)
            """, "$app", "$id", "$meta", "$first", "$last");
        _touchAccount = Command("""
            INSERT INTO Accounts (ApplicationId, AccountId, MetadataJson, HasMetadata, FirstSeen, LastSeen) VALUES ($app, $id, '{}', $has, $first, $last)
            ON CONFLICT (ApplicationId, AccountId) DO UPDATE SET HasMetadata = HasMetadata | excluded.HasMetadata,
                FirstSeen = min(FirstSeen, excluded.FirstSeen), LastSeen = max(LastSeen, excluded.LastSeen)
            """, "$app", "$id", "$has", "$first", "$last");
        _selectAccount = Command("SELECT MetadataJson FROM Accounts WHERE ApplicationId = $app AND AccountId = $id", "$app", "$id");
        _upsertAccount = Command("""
            INSERT INTO Accounts (ApplicationId, AccountId, MetadataJson, HasMetadata, FirstSeen, LastSeen) VALUES ($app, $id, $meta, $has, $first, $last)
            ON CONFLICT (ApplicationId, AccountId) DO UPDATE SET MetadataJson = excluded.MetadataJson, HasMetadata = HasMetadata | excluded.HasMetadata,
                FirstSeen = min(FirstSeen, excluded.FirstSeen), LastSeen = max(LastSeen, excluded.LastSeen)
            """, "$app", "$id", "$meta", "$has", "$first", "$last");
        _insertLink = Command("""
            INSERT INTO VisitorAccounts (ApplicationId, VisitorId, AccountId, LinkedAt) VALUES ($app, $visitor, $account, $at)
            ON CONFLICT DO NOTHING
            """, "$app", "$visitor", "$account", "$at");
        _upsertField = Command("""
            INSERT INTO MetadataFields (ApplicationId, Kind, GroupType, EventName, Name, InferredType, TypeOverride, DisplayName, Hidden,
                TypesSeen, ValuesTruncated, Count, FirstSeen, LastSeen, SamplesJson)
            VALUES ($app, $kind, $groupType, $event, $name, $inferred, NULL, NULL, 0, $types, $truncated, $count, $first, $last, $samples)
            ON CONFLICT (ApplicationId, Kind, GroupType, EventName, Name) DO UPDATE SET
                TypesSeen = TypesSeen | excluded.TypesSeen, InferredType = excluded.InferredType,
                ValuesTruncated = ValuesTruncated | excluded.ValuesTruncated, Count = Count + excluded.Count,
                FirstSeen = min(FirstSeen, excluded.FirstSeen), LastSeen = max(LastSeen, excluded.LastSeen), SamplesJson = excluded.SamplesJson
            """, "$app", "$kind", "$groupType", "$event", "$name", "$inferred", "$types", "$truncated", "$count", "$first", "$last", "$samples");
        _upsertOverflow = Command("""
            INSERT INTO MetadataFieldOverflows (ApplicationId, Kind, GroupType, DroppedCount, LastDroppedAt) VALUES ($app, $kind, $groupType, $count, $at)
            ON CONFLICT (ApplicationId, Kind, GroupType) DO UPDATE SET DroppedCount = DroppedCount + excluded.DroppedCount,
                LastDroppedAt = max(LastDroppedAt, excluded.LastDroppedAt)
            """, "$app", "$kind", "$groupType", "$count", "$at");
        _insertLog = Command("""
            INSERT INTO IngestionLog (ReceivedAt, ApplicationId, KeyHint, Source, StatusCode, IdentifyCount, GroupCount, TrackCount, OtherCount,
                Accepted, Duplicates, Skipped, Invalid, FirstError, OutcomesJson, RawBody, DurationMs)
            VALUES ($received, $app, $hint, $source, $status, $identify, $group, $track, $other, $accepted, $duplicates, $skipped, $invalid,
                $error, $outcomes, $body, $duration)
            """, "$received", "$app", "$hint", "$source", "$status", "$identify", "$group", "$track", "$other", "$accepted", "$duplicates",
            "$skipped", "$invalid", "$error", "$outcomes", "$body", "$duration");
        _touchKey = Command("UPDATE ApiKeys SET LastUsedAt = $at WHERE Id = $id", "$at", "$id");
        _catchUpVisitorIndex = VisitorTrackIndex.CatchUpCommand(connection);
        _checkpoint = Command("PRAGMA wal_checkpoint(PASSIVE)");
        _all = [_insertEvent, _touchVisitor, _selectVisitor, _upsertVisitor, _touchAccount, _selectAccount, _upsertAccount, _insertLink,
            _upsertField, _upsertOverflow, _insertLog, _touchKey, _catchUpVisitorIndex, _checkpoint];
    }

    public static async Task<SqliteIngestionStore> OpenAsync(IDbContextFactory<PortalDbContext> contextFactory, IngestionOptions options, CancellationToken cancellationToken)
    {
        var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        // Opening through EF applies the connection interceptor's pragmas (synchronous, busy_timeout).
        await db.Database.OpenConnectionAsync(cancellationToken);
        // This connection lives as long as the writer: a larger page cache keeps the hot index pages in memory.
        // Checkpoints run on WalCheckpointer's own connection, so the writer never waits on the database file's fsync.
        await db.Database.ExecuteSqlRawAsync("PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY; PRAGMA wal_autocheckpoint=0;", cancellationToken);
        if (db.Database.GetDbConnection() is not SqliteConnection connection)
        {
            await db.DisposeAsync();
            throw new NotSupportedException("The ingestion writer needs the SQLite provider.");
        }
        return new SqliteIngestionStore(db, connection, options);
    }

    public FieldCatalogueCache Catalogue => _catalogue;

    /// <summary>After a rollback or an outside change nothing remembered can be trusted.</summary>
    public void ForgetCaches()
    {
        _catalogue.Clear();
        _visitorsSeen.Clear();
        _accountsSeen.Clear();
    }

    /// <summary>Writes one batch in one transaction. Outcomes of stored messages become accepted or duplicate.</summary>
    public BatchWriteSummary Write(IReadOnlyList<IngestionWorkItem> items, DateTimeOffset now, RawBodySampler sampler, IReadOnlyCollection<Guid> keysToTouch)
    {
        using var transaction = _connection.BeginTransaction();
        foreach (var command in _all) command.Transaction = transaction;
        _catalogue.Transaction = transaction;

        var aggregate = new BatchAggregate();
        var summary = new BatchWriteSummary();
        foreach (var item in items)
        {
            if (item.IsPrune) continue;
            summary.ApplicationIds.Add(item.ApplicationId);
            if (item.RejectedStatus is not null) continue;
            var app = Text(item.ApplicationId);
            var outcomes = item.Parsed.Outcomes;
            var allStored = true;
            foreach (var message in item.Parsed.Messages)
            {
                var p = _insertEvent.Parameters;
                p[0].Value = app;
                p[1].Value = message.MessageId;
                p[2].Value = message.Type;
                p[3].Value = (object?)message.EventName ?? DBNull.Value;
                p[4].Value = (object?)message.VisitorId ?? DBNull.Value;
                p[5].Value = (object?)message.AccountId ?? DBNull.Value;
                p[6].Value = (object?)message.PayloadJson ?? DBNull.Value;
                p[7].Value = message.Timestamp.UtcTicks;
                p[8].Value = item.ReceivedAt.UtcTicks;
                p[9].Value = message.GroupType;
                p[10].Value = (object?)message.OriginalTimestamp?.UtcTicks ?? DBNull.Value;
                var stored = _insertEvent.ExecuteNonQuery() == 1;
                // Parsers add exactly one outcome per message index, in order.
                outcomes[message.Index].Outcome = stored ? MessageOutcomeKind.Accepted : MessageOutcomeKind.Duplicate;
                if (stored) summary.EventCount++;
                else allStored = false;
            }

            if (allStored && item.Aggregate is { } ready)
            {
                aggregate.Merge(ready);
                continue;
            }
            // Duplicates must not count again: fold only the messages that were stored now.
            foreach (var message in item.Parsed.Messages)
                if (outcomes[message.Index].Outcome == MessageOutcomeKind.Accepted) aggregate.Add(item.ApplicationId, message);
        }

        WriteEntities(aggregate, now);
        summary.NewFields = WriteCatalogue(aggregate, now);

        foreach (var item in items)
        {
            if (item.IsPrune) continue;
            WriteLog(item, sampler.ShouldKeep(item, now));
        }

        foreach (var keyId in keysToTouch)
        {
            _touchKey.Parameters[0].Value = now.UtcTicks;
            _touchKey.Parameters[1].Value = Text(keyId);
            _touchKey.ExecuteNonQuery();
        }

        transaction.Commit();
        _eventsNotIndexed += summary.EventCount;
        return summary;
    }

    /// <summary>True when the deferred visitor index is <see cref="VisitorIndexInterval"/> or <see cref="VisitorIndexMaxBehind"/> events behind.</summary>
    public bool VisitorIndexDue => _eventsNotIndexed >= VisitorIndexMaxBehind
        || (_eventsNotIndexed > 0 && Stopwatch.GetElapsedTime(_lastVisitorIndexCatchUp) >= VisitorIndexInterval);

    public bool VisitorIndexBehind => _eventsNotIndexed > 0;

    /// <summary>
    /// A checkpoint between two transactions of the only writer catches up completely (unless a reader
    /// holds an old snapshot), so the next transaction starts the WAL over (see <see cref="WalCheckpointer"/>).
    /// </summary>
    public void Checkpoint()
    {
        _checkpoint.Transaction = null;
        _checkpoint.ExecuteNonQuery();
    }

    /// <summary>Indexes every track event past the watermark, in its own transaction.</summary>
    public void CatchUpVisitorIndex()
    {
        using (var transaction = _connection.BeginTransaction())
        {
            _catchUpVisitorIndex.Transaction = transaction;
            _catchUpVisitorIndex.ExecuteNonQuery();
            transaction.Commit();
        }
        _eventsNotIndexed = 0;
        _lastVisitorIndexCatchUp = Stopwatch.GetTimestamp();
    }

    private void WriteEntities(BatchAggregate aggregate, DateTimeOffset now)
    {
        foreach (var ((appId, id), change) in aggregate.Visitors)
        {
            if (_visitorsSeen.IsCurrent(appId, id, change)) continue;
            Upsert(appId, id, change, _touchVisitor, _selectVisitor, _upsertVisitor, hasMetadataColumn: false);
            _visitorsSeen.Stored(appId, id, change);
        }
        foreach (var ((appId, id), change) in aggregate.Accounts)
        {
            if (_accountsSeen.IsCurrent(appId, id, change)) continue;
            Upsert(appId, id, change, _touchAccount, _selectAccount, _upsertAccount, hasMetadataColumn: true);
            _accountsSeen.Stored(appId, id, change);
        }
        foreach (var (appId, visitor, account) in aggregate.Links)
        {
            var p = _insertLink.Parameters;
            p[0].Value = Text(appId);
            p[1].Value = visitor;
            p[2].Value = account;
            p[3].Value = now.UtcTicks;
            _insertLink.ExecuteNonQuery();
        }
    }

    private static void Upsert(Guid appId, string id, EntityChange change, SqliteCommand touch, SqliteCommand select, SqliteCommand upsert, bool hasMetadataColumn)
    {
        var app = Text(appId);
        if (change.Fields is null)
        {
            var p = touch.Parameters;
            p["$app"].Value = app;
            p["$id"].Value = id;
            p["$first"].Value = change.First.UtcTicks;
            p["$last"].Value = change.Last.UtcTicks;
            if (hasMetadataColumn) p["$has"].Value = change.HasMetadata;
            touch.ExecuteNonQuery();
            return;
        }

        // Read-modify-write is safe: this writer is the only one changing metadata.
        select.Parameters["$app"].Value = app;
        select.Parameters["$id"].Value = id;
        var existing = select.ExecuteScalar() as string;
        var u = upsert.Parameters;
        u["$app"].Value = app;
        u["$id"].Value = id;
        u["$meta"].Value = MetadataMerge.Apply(existing, change.Fields);
        u["$first"].Value = change.First.UtcTicks;
        u["$last"].Value = change.Last.UtcTicks;
        if (hasMetadataColumn) u["$has"].Value = change.HasMetadata;
        upsert.ExecuteNonQuery();
    }

    private bool WriteCatalogue(BatchAggregate aggregate, DateTimeOffset now)
    {
        var newFields = false;
        Dictionary<(Guid, FieldKind, string), long>? dropped = null;
        foreach (var (key, change) in aggregate.Fields)
        {
            var group = _catalogue.Group(key.App, key.Kind, key.GroupType);
            if (!group.TryGet(key.EventName, key.Name, out var state))
            {
                if (group.IsFull)
                {
                    dropped ??= [];
                    dropped[(key.App, key.Kind, key.GroupType)] = dropped.GetValueOrDefault((key.App, key.Kind, key.GroupType)) + change.Count;
                    continue;
                }
                state = group.Add(key.EventName, key.Name);
                newFields = true;
            }

            state.TypesSeen |= change.Types;
            state.Samples = MergeSamples(change.Samples, state.Samples);
            var p = _upsertField.Parameters;
            p[0].Value = Text(key.App);
            p[1].Value = (int)key.Kind;
            p[2].Value = key.GroupType;
            p[3].Value = key.EventName;
            p[4].Value = key.Name;
            p[5].Value = (int)FieldTypeInference.Infer(state.TypesSeen);
            p[6].Value = state.TypesSeen;
            p[7].Value = change.Truncated;
            p[8].Value = change.Count;
            p[9].Value = change.First.UtcTicks;
            p[10].Value = change.Last.UtcTicks;
            p[11].Value = JsonSerializer.Serialize(state.Samples);
            _upsertField.ExecuteNonQuery();
        }

        if (dropped is not null)
        {
            foreach (var ((app, kind, groupType), count) in dropped)
            {
                var p = _upsertOverflow.Parameters;
                p[0].Value = Text(app);
                p[1].Value = (int)kind;
                p[2].Value = groupType;
                p[3].Value = count;
                p[4].Value = now.UtcTicks;
                _upsertOverflow.ExecuteNonQuery();
            }
        }
        return newFields;
    }

    private static string[] MergeSamples(List<(string Value, DateTimeOffset At)> fresh, string[] known)
    {
        if (fresh.Count == known.Length && fresh.Select(f => f.Value).SequenceEqual(known)) return known;
        var merged = new List<string>(FieldChange.MaxSamples);
        foreach (var (value, _) in fresh)
            if (merged.Count < FieldChange.MaxSamples && !merged.Contains(value)) merged.Add(value);
        foreach (var value in known)
            if (merged.Count < FieldChange.MaxSamples && !merged.Contains(value)) merged.Add(value);
        return [.. merged];
    }

    private void WriteLog(IngestionWorkItem item, bool keepBody)
    {
        var parsed = item.Parsed;
        int accepted = 0, duplicates = 0, skipped = 0, invalid = 0;
        string? firstError = item.RejectedError ?? parsed.Error;
        foreach (var o in parsed.Outcomes)
        {
            switch (o.Outcome)
            {
                case MessageOutcomeKind.Accepted: accepted++; break;
                case MessageOutcomeKind.Duplicate: duplicates++; break;
                case MessageOutcomeKind.Skipped: skipped++; break;
                default:
                    invalid++;
                    firstError ??= $"message {o.Index}: {o.Reason}";
                    break;
            }
        }

        var p = _insertLog.Parameters;
        p[0].Value = item.ReceivedAt.UtcTicks;
        p[1].Value = Text(item.ApplicationId);
        p[2].Value = (object?)item.KeyHint ?? DBNull.Value;
        p[3].Value = item.Source;
        p[4].Value = item.StatusCode;
        p[5].Value = parsed.IdentifyCount;
        p[6].Value = parsed.GroupCount;
        p[7].Value = parsed.TrackCount;
        p[8].Value = parsed.OtherCount;
        p[9].Value = accepted;
        p[10].Value = duplicates;
        p[11].Value = skipped;
        p[12].Value = invalid;
        p[13].Value = (object?)firstError ?? DBNull.Value;
        p[14].Value = parsed.Outcomes.Count == 0 ? DBNull.Value : OutcomesJson.Write(parsed.Outcomes);
        p[15].Value = keepBody || invalid > 0 || item.RejectedStatus is not null ? (object?)BodyText(item.Body) ?? DBNull.Value : DBNull.Value;
        p[16].Value = Stopwatch.GetElapsedTime(item.StartTimestamp).TotalMilliseconds;
        _insertLog.ExecuteNonQuery();
    }

    private string? BodyText(ReadOnlyMemory<byte> body)
    {
        if (body.IsEmpty) return null;
        var span = body.Span;
        if (span.Length > _options.MaxLoggedBodyBytes) span = span[.._options.MaxLoggedBodyBytes];
        return Encoding.UTF8.GetString(span);
    }

    /// <summary>Deletes log entries past retention (age, then count) and raw bodies past the per-app sample, a bounded chunk at a time.</summary>
    public int Prune(DateTimeOffset now, IReadOnlyCollection<Guid> sampledApps, int chunk = 5000)
    {
        using var transaction = _connection.BeginTransaction();
        var removed = Execute(transaction, """
            DELETE FROM IngestionLog WHERE Id IN (SELECT Id FROM IngestionLog WHERE ReceivedAt < $cutoff ORDER BY ReceivedAt LIMIT $chunk)
            """, ("$cutoff", (now - TimeSpan.FromDays(_options.LogRetentionDays)).UtcTicks), ("$chunk", chunk));
        removed += Execute(transaction, """
            DELETE FROM IngestionLog WHERE Id IN (
                SELECT Id FROM IngestionLog WHERE Id <= (SELECT Id FROM IngestionLog ORDER BY Id DESC LIMIT 1 OFFSET $max) ORDER BY Id LIMIT $chunk)
            """, ("$max", _options.LogMaxEntries), ("$chunk", chunk));
        foreach (var app in sampledApps)
        {
            Execute(transaction, """
                UPDATE IngestionLog SET RawBody = NULL WHERE ApplicationId = $app AND Invalid = 0 AND StatusCode < 300 AND RawBody IS NOT NULL
                AND Id < (SELECT Id FROM IngestionLog WHERE ApplicationId = $app AND Invalid = 0 AND StatusCode < 300 AND RawBody IS NOT NULL
                          ORDER BY Id DESC LIMIT 1 OFFSET $keep)
                """, ("$app", Text(app)), ("$keep", Math.Max(0, _options.RawBodySamplePerApp - 1)));
        }
        transaction.Commit();
        return removed;
    }

    private int Execute(SqliteTransaction transaction, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return command.ExecuteNonQuery();
    }

    private SqliteCommand Command(string sql, params string[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters) command.Parameters.Add(new SqliteParameter { ParameterName = name });
        return command;
    }

    /// <summary>Guids as EF Core's SQLite provider stores them: upper-case text.</summary>
    internal static string Text(Guid id) => id.ToString().ToUpperInvariant();

    public async ValueTask DisposeAsync()
    {
        foreach (var command in _all) await command.DisposeAsync();
        await _db.Database.CloseConnectionAsync();
        await _db.DisposeAsync();
    }
}

internal sealed class BatchWriteSummary
{
    public HashSet<Guid> ApplicationIds { get; } = [];
    public int EventCount { get; set; }
    public bool NewFields { get; set; }
}
