using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Portal.Core.Applications;
using Portal.Core.Common;
using Portal.Core.Data.Sqlite;
using Portal.Core.Metadata;
using Portal.Core.Visitors;

namespace Portal.Core.Seeding;

/// <summary>
/// Fills a fresh SQLite file with a realistic volume of visitors, accounts, track events and catalogued
/// fields, fast: raw prepared inserts in large transactions, not the ingestion path. For benchmarks and demos.
/// Track events spread over the last 30 days with ids in time order, as the ingestion writer stores them.
/// </summary>
public static class DemoDataSeeder
{
    private const int Days = 30;

    public static async Task<Guid> SeedAsync(string sqlitePath, DemoDataSize size, DateTimeOffset now, TextWriter? log = null, CancellationToken cancellationToken = default)
    {
        var connectionString = new SqliteConnectionStringBuilder { DataSource = sqlitePath, Pooling = false }.ToString();
        // Built without DI, the context misses Identity's schema-version option and sees a "changed" model; the migrations are the schema.
        var options = new DbContextOptionsBuilder<SqlitePortalDbContext>().UseSqlite(connectionString)
            .ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning)).Options;
        Guid appId;
        await using (var db = new SqlitePortalDbContext(options))
        {
            await db.Database.MigrateAsync(cancellationToken);
            var app = new Application { Name = "Demo app", CreatedAt = now.AddDays(-Days - 1) };
            db.Applications.Add(app);
            await db.SaveChangesAsync(cancellationToken);
            appId = app.Id;
        }

        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await ExecAsync(connection, "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA cache_size=-200000;");
        // The id exactly as EF stored it, so raw inserts match EF's Guid text format.
        var app_ = await ScalarAsync(connection, "SELECT Id FROM Applications LIMIT 1");
        var random = new Random(42);
        var names = Enumerable.Range(0, size.EventNames).Select(i => EventName(i)).ToArray();

        await TimedAsync(log, "accounts", () => SeedAccountsAsync(connection, app_, size, now, random));
        await TimedAsync(log, "visitors", () => SeedVisitorsAsync(connection, app_, size, now, random));
        await TimedAsync(log, "events", () => SeedEventsAsync(connection, app_, size, now, random, names));
        await TimedAsync(log, "visitor index", async () =>
        {
            await using var catchUp = VisitorTrackIndex.CatchUpCommand(connection);
            await catchUp.ExecuteNonQueryAsync(cancellationToken);
        });
        await TimedAsync(log, "fields", () => SeedFieldsAsync(connection, app_, size, now, random, names));
        await TimedAsync(log, "ingestion log", () => SeedLogAsync(connection, app_, size, now));
        await ExecAsync(connection, "PRAGMA wal_checkpoint(TRUNCATE);");
        return appId;
    }

    private static async Task SeedAccountsAsync(SqliteConnection connection, object appId, DemoDataSize size, DateTimeOffset now, Random random)
    {
        await using var tx = connection.BeginTransaction();
        var insert = Prepare(connection, tx, "INSERT INTO Accounts (ApplicationId, AccountId, MetadataJson, HasMetadata, FirstSeen, LastSeen) VALUES ($a, $id, $m, $h, $f, $l)",
            "$a", "$id", "$m", "$h", "$f", "$l");
        for (var i = 0; i < size.Accounts; i++)
        {
            var hasMetadata = i % 10 != 0;
            var metadata = hasMetadata
                ? Metadata(now, (GroupTypes.Segment, new Dictionary<string, object?> { ["name"] = $"Company {i}", ["plan"] = Plans[i % Plans.Length], ["seats"] = 5 + i % 200, ["is_paying"] = i % 3 == 0 }))
                : "{}";
            var (first, last) = SeenRange(now, random);
            Run(insert, appId, AccountId(i), metadata, hasMetadata ? 1 : 0, first, last);
        }
        await tx.CommitAsync();
    }

    private static async Task SeedVisitorsAsync(SqliteConnection connection, object appId, DemoDataSize size, DateTimeOffset now, Random random)
    {
        await using var tx = connection.BeginTransaction();
        var insert = Prepare(connection, tx, "INSERT INTO Visitors (ApplicationId, VisitorId, MetadataJson, FirstSeen, LastSeen) VALUES ($a, $id, $m, $f, $l)",
            "$a", "$id", "$m", "$f", "$l");
        var link = Prepare(connection, tx, "INSERT OR IGNORE INTO VisitorAccounts (ApplicationId, VisitorId, AccountId, LinkedAt) VALUES ($a, $v, $ac, $t)",
            "$a", "$v", "$ac", "$t");
        for (var i = 0; i < size.Visitors; i++)
        {
            var segment = new Dictionary<string, object?>
            {
                ["email"] = $"user{i}@example.com",
                ["first_name"] = FirstNames[i % FirstNames.Length],
                ["role"] = Roles[i % Roles.Length],
                ["logins"] = i % 97,
                ["beta_user"] = i % 5 == 0,
                ["address.city"] = Cities[i % Cities.Length],
            };
            var metadata = i % 4 == 0
                ? Metadata(now, (GroupTypes.Segment, segment), (GroupTypes.Agent, new Dictionary<string, object?> { ["browser_language"] = "en-US", ["tags"] = new[] { "a", "b" } }))
                : Metadata(now, (GroupTypes.Segment, segment));
            var (first, last) = SeenRange(now, random);
            Run(insert, appId, VisitorId(i), metadata, first, last);
            if (size.Accounts > 0)
            {
                Run(link, appId, VisitorId(i), AccountId(i % size.Accounts), first);
                if (i % 3 == 0) Run(link, appId, VisitorId(i), AccountId((i * 7 + 1) % size.Accounts), first);
            }
        }
        await tx.CommitAsync();
    }

    private static async Task SeedEventsAsync(SqliteConnection connection, object appId, DemoDataSize size, DateTimeOffset now, Random random, string[] names)
    {
        var insert = "INSERT INTO Events (ApplicationId, MessageId, Type, Name, VisitorId, AccountId, PayloadJson, Timestamp, ReceivedAt, GroupType) VALUES ($a, $m, $t, $n, $v, $ac, $p, $ts, $r, $g)";
        var parameters = new[] { "$a", "$m", "$t", "$n", "$v", "$ac", "$p", "$ts", "$r", "$g" };
        // A few identify and group calls first, then track events in time order.
        var identifies = Math.Max(1, size.Visitors / 5);
        var groups = Math.Max(1, size.Accounts / 2);
        var total = identifies + groups + size.TrackEvents;
        var start = now.AddDays(-Days).UtcTicks;
        var step = (now.UtcTicks - start) / Math.Max(1, total);
        var batch = 100_000;
        for (var offset = 0; offset < total; offset += batch)
        {
            await using var tx = connection.BeginTransaction();
            var command = Prepare(connection, tx, insert, parameters);
            for (var i = offset; i < Math.Min(total, offset + batch); i++)
            {
                var received = start + step * i;
                var visitor = VisitorId(random.Next(Math.Max(1, size.Visitors)));
                var account = AccountId(random.Next(Math.Max(1, size.Accounts)));
                if (i < identifies)
                    Run(command, appId, $"m{i}", "identify", null, visitor, account, "{\"email\":\"x@example.com\"}", received - 5_000, received, GroupTypes.Segment);
                else if (i < identifies + groups)
                    Run(command, appId, $"m{i}", "group", null, visitor, account, "{\"name\":\"Company\"}", received - 5_000, received, GroupTypes.Segment);
                else
                {
                    // Skewed like real traffic: a few names carry most events.
                    var name = names[(int)Math.Min(names.Length - 1, Math.Floor(Math.Pow(random.NextDouble(), 3) * names.Length))];
                    var payload = $"{{\"plan\":\"{Plans[i % Plans.Length]}\",\"amount\":{i % 500}.5,\"path\":\"/page/{i % 1000}\"}}";
                    Run(command, appId, $"m{i}", "track", name, visitor, account, payload, received - 5_000, received, GroupTypes.Segment);
                }
            }
            await tx.CommitAsync();
        }
    }

    private static async Task SeedFieldsAsync(SqliteConnection connection, object appId, DemoDataSize size, DateTimeOffset now, Random random, string[] names)
    {
        await using var tx = connection.BeginTransaction();
        var insert = Prepare(connection, tx, """
            INSERT INTO MetadataFields (ApplicationId, Kind, GroupType, EventName, Name, InferredType, TypeOverride, DisplayName, Hidden, TypesSeen, ValuesTruncated, Count, FirstSeen, LastSeen, SamplesJson)
            VALUES ($a, $k, $g, $e, $n, $t, NULL, NULL, $h, $ts, $tr, $c, $f, $l, $s)
            """, "$a", "$k", "$g", "$e", "$n", "$t", "$h", "$ts", "$tr", "$c", "$f", "$l", "$s");
        // Split: 30% visitor, 15% account, the rest track properties; a third of visitor and account fields fed by both group types.
        var visitorFields = size.Fields * 30 / 100;
        var accountFields = size.Fields * 15 / 100;
        var trackFields = size.Fields - visitorFields - accountFields;
        var written = 0;
        void Field(FieldKind kind, string groupType, string eventName, string name, int i)
        {
            var type = (FieldType)(i % 5);
            var bits = 1 << (int)type;
            if (i % 37 == 0) bits |= 1 << (int)FieldType.Text;
            var (first, last) = SeenRange(now, random);
            var samples = JsonSerializer.Serialize(Enumerable.Range(0, 5).Select(s => $"{name}-value-{s}"));
            Run(insert, appId, (int)kind, groupType, eventName, name, (int)type, i % 53 == 0 ? 1 : 0, bits, i % 41 == 0 ? 1 : 0, 1 + random.Next(2_000_000), first, last, samples);
            written++;
        }
        for (var i = 0; written < visitorFields; i++)
        {
            Field(FieldKind.Visitor, GroupTypes.Segment, "", FieldName("visitor", i), i);
            if (i % 3 == 0 && written < visitorFields) Field(FieldKind.Visitor, GroupTypes.Agent, "", FieldName("visitor", i), i);
        }
        for (var i = 0; written < visitorFields + accountFields; i++)
        {
            Field(FieldKind.Account, GroupTypes.Segment, "", FieldName("account", i), i);
            if (i % 3 == 0 && written < visitorFields + accountFields) Field(FieldKind.Account, GroupTypes.Agent, "", FieldName("account", i), i);
        }
        for (var i = 0; written < visitorFields + accountFields + trackFields; i++)
        {
            Field(FieldKind.TrackProperty, GroupTypes.Segment, names[i % names.Length], FieldName("prop", i / names.Length), i);
        }
        var overflow = Prepare(connection, tx, "INSERT INTO MetadataFieldOverflows (ApplicationId, Kind, GroupType, DroppedCount, LastDroppedAt) VALUES ($a, $k, $g, $c, $l)",
            "$a", "$k", "$g", "$c", "$l");
        Run(overflow, appId, (int)FieldKind.Visitor, GroupTypes.Segment, 1234, now.AddHours(-2).UtcTicks);
        await tx.CommitAsync();
    }

    private static async Task SeedLogAsync(SqliteConnection connection, object appId, DemoDataSize size, DateTimeOffset now)
    {
        await using var tx = connection.BeginTransaction();
        var insert = Prepare(connection, tx, """
            INSERT INTO IngestionLog (ReceivedAt, ApplicationId, KeyHint, Source, StatusCode, IdentifyCount, GroupCount, TrackCount, OtherCount, Accepted, Duplicates, Skipped, Invalid, FirstError, DurationMs)
            VALUES ($r, $a, $k, $s, $c, 0, 0, $t, $o, $ok, 0, $sk, $i, $e, $d)
            """, "$r", "$a", "$k", "$s", "$c", "$t", "$o", "$ok", "$sk", "$i", "$e", "$d");
        // One request a few seconds apart up to now (the log keeps 7 days); one in 50 carries an invalid message.
        var step = TimeSpan.FromDays(6).Ticks / Math.Max(1, size.LogEntries);
        for (var i = 0; i < size.LogEntries; i++)
        {
            var invalid = i % 50 == 0 ? 1 : 0;
            var skipped = i % 97 == 0 ? 1 : 0;
            var tracks = 1 + i % 100;
            Run(insert, now.UtcTicks - step * (size.LogEntries - i), appId, "a1b2", i % 10 == 0 ? GroupTypes.Agent : GroupTypes.Segment, invalid > 0 ? 400 : 200,
                tracks, skipped, tracks - invalid, skipped, invalid, invalid > 0 ? "messages[0]: 'type' is required" : null, 2.5 + i % 40);
        }
        await tx.CommitAsync();
    }

    private static string FieldName(string prefix, int i) => (i % 50) switch
    {
        7 => $"{prefix}.nested.field_{i}",
        13 => $"{i}_{prefix}_starts_with_digit",
        29 => $"{prefix}_a_rather_long_property_name_over_the_limit_{i}",
        _ => $"{prefix}_field_{i}",
    };

    private static string EventName(int i) => $"{EventVerbs[i % EventVerbs.Length]} {EventObjects[i / EventVerbs.Length % EventObjects.Length]}{(i >= EventVerbs.Length * EventObjects.Length ? $" {i}" : "")}";
    private static string VisitorId(int i) => $"user-{i:D6}";
    private static string AccountId(int i) => $"acct-{i:D5}";

    private static readonly string[] Plans = ["free", "pro", "enterprise"];
    private static readonly string[] FirstNames = ["Ada", "Grace", "Linus", "Barbara", "Ken", "Margaret"];
    private static readonly string[] Roles = ["admin", "editor", "viewer"];
    private static readonly string[] Cities = ["Berlin", "Lisbon", "Austin", "Osaka"];
    private static readonly string[] EventVerbs = ["Viewed", "Clicked", "Created", "Updated", "Deleted", "Shared", "Exported", "Invited", "Searched", "Downloaded"];
    private static readonly string[] EventObjects = ["Report", "Dashboard", "Project", "Invoice", "User", "Comment", "File", "Filter", "Widget", "Plan"];

    private static string Metadata(DateTimeOffset now, params (string GroupType, Dictionary<string, object?> Fields)[] groups)
    {
        var at = now.ToString("O", CultureInfo.InvariantCulture);
        return JsonSerializer.Serialize(groups.ToDictionary(g => g.GroupType,
            g => g.Fields.ToDictionary(f => f.Key, f => new Dictionary<string, object?> { ["v"] = f.Value, ["t"] = at })));
    }

    private static (long First, long Last) SeenRange(DateTimeOffset now, Random random)
    {
        var first = now.AddDays(-Days * random.NextDouble()).UtcTicks;
        return (first, first + (long)((now.UtcTicks - first) * random.NextDouble()));
    }

    private static SqliteCommand Prepare(SqliteConnection connection, SqliteTransaction tx, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        foreach (var name in parameters) command.Parameters.Add(new SqliteParameter { ParameterName = name });
        command.Prepare();
        return command;
    }

    private static void Run(SqliteCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++) command.Parameters[i].Value = values[i] ?? DBNull.Value;
        command.ExecuteNonQuery();
    }

    private static async Task ExecAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object> ScalarAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync() ?? throw new InvalidOperationException("The demo application was not stored.");
    }

    private static async Task TimedAsync(TextWriter? log, string what, Func<Task> step)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        await step();
        log?.WriteLine($"seeded {what} in {started.Elapsed.TotalSeconds:F1} s");
    }
}
