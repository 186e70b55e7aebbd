using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Core.Data;
using Portal.Core.Visitors;

namespace Portal.Core.Ingestion;

/// <summary>
/// The writer's side of SQLite: one long-lived connection and prepared commands, so an accepted
/// message costs about one row write. DateTimeOffset columns hold UTC ticks and Guids upper-case
/// text, as EF Core writes them (see SqlitePortalDbContext).
/// </summary>
internal sealed partial class SqliteIngestionStore : IIngestionStore
{
    // The deferred visitor index catches up four times a second under load: rarely enough that each
    // visitor's index page is written once for many events, often enough that each pause (10-35 ms at
    // bench/ingest.sh's single-message rate) stays inside the 50 ms p99 budget and readers' unindexed tail stays small.
    private static readonly TimeSpan VisitorIndexInterval = TimeSpan.FromMilliseconds(250);
    private const int VisitorIndexMaxBehind = 50_000;

    // Default metadata, one update per entity per commit. Days active grows by the batch's days past the stored last active
    // day: a message older than that day (out of order, or late) adds nothing, so a day seen only through late messages is
    // not counted; within one commit the days are taken as contiguous (a commit spans milliseconds of arrivals).
    private const string Counters = """
        EventCount = EventCount + excluded.EventCount,
                DaysActive = DaysActive + min(excluded.DaysActive, max(0, excluded.LastActiveDay - LastActiveDay)),
                LastActiveDay = max(LastActiveDay, excluded.LastActiveDay)
        """;

    private readonly PortalDbContext _db;
    private readonly SqliteConnection _connection;
    private readonly IngestionOptions _options;
    private readonly ILogger _logger;
    private readonly WalCheckpointer _checkpointer;
    private readonly CancellationTokenSource _stopCheckpoints = new();
    private readonly Task _checkpoints;

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
    private readonly SqliteCommand _insertOutbox;
    private readonly SqliteCommand _catchUpVisitorIndex;
    private readonly SqliteCommand _checkpoint;
    private readonly SqliteCommand[] _all;
    // An earlier run may have stopped with events past the watermark: counted as behind, and as never caught
    // up, the first batch or housekeeping indexes them, after its requests are answered rather than before.
    private int _eventsNotIndexed = 1;
    private long _lastVisitorIndexCatchUp;

    private readonly SqliteCommand _selectFields;

    private SqliteIngestionStore(PortalDbContext db, SqliteConnection connection, IngestionOptions options,
        IDbContextFactory<PortalDbContext> contextFactory, ILogger logger)
    {
        _db = db;
        _connection = connection;
        _options = options;
        _logger = logger;
        _checkpointer = new WalCheckpointer(contextFactory, logger);
        _checkpoints = Task.Run(() => _checkpointer.RunAsync(_stopCheckpoints.Token), CancellationToken.None);

        _insertEvent = Command("""
            INSERT INTO Events (ApplicationId, MessageId, Type, Name, VisitorId, AccountId, PayloadJson, Timestamp, ReceivedAt, GroupType, OriginalTimestamp)
            VALUES ($app, $messageId, $type, $name, $visitor, $account, $payload, $ts, $received, $groupType, $original)
            ON CONFLICT (ApplicationId, MessageId) DO NOTHING
            """, "$app", "$messageId", "$type", "$name", "$visitor", "$account", "$payload", "$ts", "$received", "$groupType", "$original");
        _touchVisitor = Command($$"""
            INSERT INTO Visitors (ApplicationId, VisitorId, MetadataJson, FirstSeen, LastSeen, EventCount, DaysActive, LastActiveDay)
            VALUES ($app, $id, '{}', $first, $last, $events, $days, $day)
            ON CONFLICT (ApplicationId, VisitorId) DO UPDATE SET FirstSeen = min(FirstSeen, excluded.FirstSeen), LastSeen = max(LastSeen, excluded.LastSeen),
                {{Counters}}
            """, "$app", "$id", "$first", "$last", "$events", "$days", "$day");
        _selectVisitor = Command("SELECT MetadataJson FROM Visitors WHERE ApplicationId = $app AND VisitorId = $id", "$app", "$id");
        _upsertVisitor = Command($"""
            INSERT INTO Visitors (ApplicationId, VisitorId, MetadataJson, FirstSeen, LastSeen, EventCount, DaysActive, LastActiveDay, DisplayName, Email)
            VALUES ($app, $id, $meta, $first, $last, $events, $days, $day, $name, $email)
            ON CONFLICT (ApplicationId, VisitorId) DO UPDATE SET MetadataJson = excluded.MetadataJson,
                FirstSeen = min(FirstSeen, excluded.FirstSeen), LastSeen = max(LastSeen, excluded.LastSeen),
                DisplayName = coalesce(excluded.DisplayName, DisplayName), Email = coalesce(excluded.Email, Email), {Counters}
            """, "$app", "$id", "$meta", "$first", "$last", "$events", "$days", "$day", "$name", "$email");
        _touchAccount = Command($$"""
            INSERT INTO Accounts (ApplicationId, AccountId, MetadataJson, HasMetadata, FirstSeen, LastSeen, EventCount, DaysActive, LastActiveDay)
            VALUES ($app, $id, '{}', $has, $first, $last, $events, $days, $day)
            ON CONFLICT (ApplicationId, AccountId) DO UPDATE SET HasMetadata = HasMetadata | excluded.HasMetadata,
                FirstSeen = min(FirstSeen, excluded.FirstSeen), LastSeen = max(LastSeen, excluded.LastSeen), {{Counters}}
            """, "$app", "$id", "$has", "$first", "$last", "$events", "$days", "$day");
        _selectAccount = Command("SELECT MetadataJson FROM Accounts WHERE ApplicationId = $app AND AccountId = $id", "$app", "$id");
        _upsertAccount = Command($"""
            INSERT INTO Accounts (ApplicationId, AccountId, MetadataJson, HasMetadata, FirstSeen, LastSeen, EventCount, DaysActive, LastActiveDay, DisplayName)
            VALUES ($app, $id, $meta, $has, $first, $last, $events, $days, $day, $name)
            ON CONFLICT (ApplicationId, AccountId) DO UPDATE SET MetadataJson = excluded.MetadataJson, HasMetadata = HasMetadata | excluded.HasMetadata,
                FirstSeen = min(FirstSeen, excluded.FirstSeen), LastSeen = max(LastSeen, excluded.LastSeen),
                DisplayName = coalesce(excluded.DisplayName, DisplayName), {Counters}
            """, "$app", "$id", "$meta", "$has", "$first", "$last", "$events", "$days", "$day", "$name");
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
        _insertOutbox = Command("""
            INSERT INTO ForwardingOutbox (ApplicationId, MessageIds, Count, Body, State, EnqueuedAt, DueAt, Attempts) VALUES ($app, $ids, $count, $body, 0, $at, $at, 0)
            """, "$app", "$ids", "$count", "$body", "$at");
        _catchUpVisitorIndex = VisitorTrackIndex.CatchUpCommand(connection);
        _checkpoint = Command("PRAGMA wal_checkpoint(PASSIVE)");
        _selectFields = Command("SELECT EventName, Name, TypesSeen, SamplesJson FROM MetadataFields WHERE ApplicationId = $app AND Kind = $kind AND GroupType = $groupType",
            "$app", "$kind", "$groupType");
        _all = [_insertEvent, _touchVisitor, _selectVisitor, _upsertVisitor, _touchAccount, _selectAccount, _upsertAccount, _insertLink,
            _upsertField, _upsertOverflow, _insertLog, _touchKey, _catchUpVisitorIndex, _checkpoint, _selectFields, _insertOutbox];
    }

    public static async Task<SqliteIngestionStore> OpenAsync(IDbContextFactory<PortalDbContext> contextFactory, IngestionOptions options, ILogger logger,
        CancellationToken cancellationToken)
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
        // One bounded wait on a lock held elsewhere: SQLite's busy handler and Microsoft.Data.Sqlite's own retry loop
        // (which runs until the command timeout) would otherwise stack up to 40 s per statement.
        await using (var busy = connection.CreateCommand())
        {
            busy.CommandText = $"PRAGMA busy_timeout={options.LockWaitSeconds * 1000};";
            await busy.ExecuteNonQueryAsync(cancellationToken);
        }
        connection.DefaultTimeout = options.LockWaitSeconds;
        return new SqliteIngestionStore(db, connection, options, contextFactory, logger);
    }

    public Task<bool> WriteAsync(IngestionBatchPlan plan, WriterMemory memory, CancellationToken cancellationToken)
    {
        using var transaction = _connection.BeginTransaction();
        foreach (var command in _all) command.Transaction = transaction;

        var events = plan.Events;
        var stored = new bool[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            var (appId, receivedAt, message, _) = events[i];
            var p = _insertEvent.Parameters;
            p[0].Value = Text(appId);
            p[1].Value = message.MessageId;
            p[2].Value = message.Type;
            p[3].Value = (object?)message.EventName ?? DBNull.Value;
            p[4].Value = (object?)message.VisitorId ?? DBNull.Value;
            p[5].Value = (object?)message.AccountId ?? DBNull.Value;
            p[6].Value = (object?)message.PayloadJson ?? DBNull.Value;
            p[7].Value = message.Timestamp.UtcTicks;
            p[8].Value = receivedAt.UtcTicks;
            p[9].Value = message.GroupType;
            p[10].Value = (object?)message.OriginalTimestamp?.UtcTicks ?? DBNull.Value;
            stored[i] = _insertEvent.ExecuteNonQuery() == 1;
        }
        plan.Resolve(stored);
        WriteOutbox(plan);

        var visitors = memory.Visitors.Plan(plan.Aggregate.Visitors, plan.FlushEntityCounts);
        var accounts = memory.Accounts.Plan(plan.Aggregate.Accounts, plan.FlushEntityCounts);
        WriteEntities(visitors, accounts, plan.Aggregate.Links, plan.Now);
        var loading = memory.Catalogue.LoadMissingAsync(plan.Aggregate, LoadFields);
        // Loading runs synchronously on this connection; the ValueTask is already complete.
        if (!loading.IsCompletedSuccessfully) loading.AsTask().GetAwaiter().GetResult();
        var catalogue = CataloguePlan.Build(plan.Aggregate, memory.Catalogue, memory.Fields, plan.FlushEntityCounts, plan.Now);
        WriteCatalogue(catalogue);
        foreach (var entry in plan.LogEntries) WriteLog(entry);

        foreach (var keyId in plan.KeysToTouch)
        {
            _touchKey.Parameters[0].Value = plan.Now.UtcTicks;
            _touchKey.Parameters[1].Value = Text(keyId);
            _touchKey.ExecuteNonQuery();
        }

        WriteOutboxOutcomes(transaction, plan.OutboxOutcomes);
        transaction.Commit();
        memory.Visitors.Committed(visitors);
        memory.Accounts.Committed(accounts);
        memory.Fields.Committed(catalogue.Writes);
        _eventsNotIndexed += plan.StoredCount;
        return Task.FromResult(catalogue.NewFields);
    }

    private ValueTask<IReadOnlyList<StoredField>> LoadFields(FieldGroupKey group)
    {
        var p = _selectFields.Parameters;
        p[0].Value = Text(group.App);
        p[1].Value = (int)group.Kind;
        p[2].Value = group.GroupType;
        var fields = new List<StoredField>();
        using (var reader = _selectFields.ExecuteReader())
        {
            while (reader.Read()) fields.Add(new StoredField(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetString(3)));
        }
        return ValueTask.FromResult<IReadOnlyList<StoredField>>(fields);
    }

    /// <summary>
    /// The deferred visitor index catches up when due, or on an idle pass whenever it is behind; a WAL restart runs
    /// when <see cref="WalCheckpointer"/> found the WAL large.
    /// </summary>
    public Task HousekeepAsync(bool idle, CancellationToken cancellationToken)
    {
        if (VisitorIndexDue || (idle && VisitorIndexBehind))
        {
            try { CatchUpVisitorIndex(); }
            // Nothing is lost: readers scan past the watermark, and the next catch-up starts from it.
            catch (Exception ex) { LogVisitorIndexFailed(_logger, ex); }
        }
        if (_checkpointer.TakeRestartRequest())
        {
            try { Checkpoint(); }
            catch (Exception ex) { LogCheckpointFailed(_logger, ex); }
        }
        return Task.CompletedTask;
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

    private void WriteEntities(EntityWrites visitors, EntityWrites accounts, HashSet<(Guid App, string VisitorId, string AccountId)> links, DateTimeOffset now)
    {
        foreach (var (appId, id, change) in visitors.Writes)
            Upsert(appId, id, change, _touchVisitor, _selectVisitor, _upsertVisitor, hasMetadataColumn: false);
        foreach (var (appId, id, change) in accounts.Writes)
            Upsert(appId, id, change, _touchAccount, _selectAccount, _upsertAccount, hasMetadataColumn: true);
        foreach (var (appId, visitor, account) in links)
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
            SetCounters(p, change);
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
        SetCounters(u, change);
        var (name, email) = EntityNames.From(change);
        u["$name"].Value = (object?)name ?? DBNull.Value;
        if (u.Contains("$email")) u["$email"].Value = (object?)email ?? DBNull.Value;
        upsert.ExecuteNonQuery();
    }

    private static void SetCounters(SqliteParameterCollection p, EntityChange change)
    {
        p["$events"].Value = change.Events;
        p["$days"].Value = change.DayCount;
        p["$day"].Value = change.LastDay;
    }

    private void WriteCatalogue(CataloguePlan catalogue)
    {
        foreach (var field in catalogue.Fields)
        {
            var p = _upsertField.Parameters;
            p[0].Value = Text(field.Key.App);
            p[1].Value = (int)field.Key.Kind;
            p[2].Value = field.Key.GroupType;
            p[3].Value = field.Key.EventName;
            p[4].Value = field.Key.Name;
            p[5].Value = (int)field.InferredType;
            p[6].Value = field.TypesSeen;
            p[7].Value = field.Truncated;
            p[8].Value = field.Count;
            p[9].Value = field.First.UtcTicks;
            p[10].Value = field.Last.UtcTicks;
            p[11].Value = field.SamplesJson;
            _upsertField.ExecuteNonQuery();
        }
        foreach (var overflow in catalogue.Overflows)
        {
            var p = _upsertOverflow.Parameters;
            p[0].Value = Text(overflow.Group.App);
            p[1].Value = (int)overflow.Group.Kind;
            p[2].Value = overflow.Group.GroupType;
            p[3].Value = overflow.Count;
            p[4].Value = overflow.At.UtcTicks;
            _upsertOverflow.ExecuteNonQuery();
        }
    }

    private void WriteLog(PlannedLogEntry entry)
    {
        var p = _insertLog.Parameters;
        p[0].Value = entry.ReceivedAt.UtcTicks;
        p[1].Value = Text(entry.ApplicationId);
        p[2].Value = (object?)entry.KeyHint ?? DBNull.Value;
        p[3].Value = entry.Source;
        p[4].Value = entry.StatusCode;
        p[5].Value = entry.IdentifyCount;
        p[6].Value = entry.GroupCount;
        p[7].Value = entry.TrackCount;
        p[8].Value = entry.OtherCount;
        p[9].Value = entry.Accepted;
        p[10].Value = entry.Duplicates;
        p[11].Value = entry.Skipped;
        p[12].Value = entry.Invalid;
        p[13].Value = (object?)entry.FirstError ?? DBNull.Value;
        p[14].Value = (object?)entry.OutcomesJson ?? DBNull.Value;
        p[15].Value = (object?)entry.RawBody ?? DBNull.Value;
        p[16].Value = entry.DurationMs;
        _insertLog.ExecuteNonQuery();
    }

    /// <summary>Deletes log entries past retention (age, then count) and raw bodies past the per-app sample, a bounded chunk at a time.</summary>
    public Task<int> PruneAsync(DateTimeOffset now, IReadOnlyCollection<Guid> sampledApps, CancellationToken cancellationToken) =>
        Task.FromResult(Prune(now, sampledApps));

    private int Prune(DateTimeOffset now, IReadOnlyCollection<Guid> sampledApps, int chunk = 5000)
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

    /// <summary>Deletes the next chunk of expired track events behind the retention watermark (see <see cref="IIngestionStore"/>).</summary>
    public Task<int> DeleteExpiredTrackEventsAsync(DateTimeOffset cutoff, int chunk, CancellationToken cancellationToken)
    {
        using var transaction = _connection.BeginTransaction();
        long mark, last = 0;
        using (var read = _connection.CreateCommand())
        {
            read.Transaction = transaction;
            read.CommandText = $"SELECT coalesce((SELECT EventId FROM IndexWatermarks WHERE Name = '{RetentionWatermark}'), 0)";
            mark = Convert.ToInt64(read.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            // Ids grow with the time received, so the expired events are a prefix of what lies past the watermark.
            read.CommandText = "SELECT Id, ReceivedAt FROM Events WHERE Id > $mark ORDER BY Id LIMIT $chunk";
            read.Parameters.AddWithValue("$mark", mark);
            read.Parameters.AddWithValue("$chunk", chunk);
            using var reader = read.ExecuteReader();
            while (reader.Read() && reader.GetInt64(1) < cutoff.UtcTicks) last = reader.GetInt64(0);
        }
        if (last == 0) return Task.FromResult(0);

        Execute(transaction, """
            DELETE FROM VisitorTrackEvents WHERE (ApplicationId, VisitorId, EventId) IN (
                SELECT ApplicationId, VisitorId, Id FROM Events WHERE Id > $mark AND Id <= $last AND Type = 'track' AND VisitorId IS NOT NULL)
            """, ("$mark", mark), ("$last", last));
        var deleted = Execute(transaction, "DELETE FROM Events WHERE Id > $mark AND Id <= $last AND Type = 'track'", ("$mark", mark), ("$last", last));
        Execute(transaction, $"""
            INSERT INTO IndexWatermarks (Name, EventId) VALUES ('{RetentionWatermark}', $last) ON CONFLICT (Name) DO UPDATE SET EventId = excluded.EventId
            """, ("$last", last));
        transaction.Commit();
        // A full chunk of identifies and groups deletes nothing yet moves on: report it so the writer comes back soon.
        return Task.FromResult(Math.Max(deleted, 1));
    }

    internal const string RetentionWatermark = "TrackEventRetention";

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
        await _stopCheckpoints.CancelAsync();
        await _checkpoints;
        _stopCheckpoints.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Visitor index catch-up failed")]
    private static partial void LogVisitorIndexFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "WAL checkpoint on the writer's connection failed")]
    private static partial void LogCheckpointFailed(ILogger logger, Exception exception);
}
