using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Portal.Core.Accounts;
using Portal.Core.Applications;
using Portal.Core.Data;
using Portal.Core.Data.Postgres;
using Portal.Core.Data.Sqlite;
using Portal.Core.Events;
using Portal.Core.Metadata;
using Portal.Core.Visitors;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Core.Data;

/// <summary>Upgrading a database with visitors and events from before default metadata: the counts come from the stored events.</summary>
public class DefaultMetadataBackfillTests : IAsyncLifetime
{
    private const string MigrationBefore = "DefaultAndCustomMetadata";
    private readonly string _folder = Directory.CreateTempSubdirectory("portal-backfill-").FullName;
    private string? _postgres;

    protected virtual TestEngine Engine => TestEngine.Sqlite;

    public Task InitializeAsync() => Task.CompletedTask;

    private async Task<PortalDbContext> ContextAsync()
    {
        if (Engine == TestEngine.Postgres)
        {
            _postgres ??= await PostgresServer.CreateDatabaseAsync();
            return new PostgresPortalDbContext(new DbContextOptionsBuilder<PostgresPortalDbContext>().UseNpgsql(_postgres)
                .ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning)).Options);
        }
        var connectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(_folder, "portal.db"), Pooling = false }.ToString();
        return new SqlitePortalDbContext(new DbContextOptionsBuilder<SqlitePortalDbContext>().UseSqlite(connectionString)
            .ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning)).Options);
    }

    [Fact]
    public async Task VisitorsAndAccountsStoredBeforeTheUpgradeGetTheirEventsAndDaysActive()
    {
        await using var db = await ContextAsync();
        var migrator = db.GetService<IMigrator>();
        var before = db.Database.GetMigrations().Single(m => m.EndsWith("_" + MigrationBefore, StringComparison.Ordinal));
        await migrator.MigrateAsync(before);
        var app = new Application { Name = "Old app", CreatedAt = DateTimeOffset.UtcNow };
        db.Applications.Add(app);
        var day1 = new DateTimeOffset(2026, 1, 1, 10, 0, 0, TimeSpan.Zero);
        var day3 = new DateTimeOffset(2026, 1, 3, 23, 0, 0, TimeSpan.Zero);
        db.Visitors.AddRange(new Visitor { ApplicationId = app.Id, VisitorId = "u1", FirstSeen = day1, LastSeen = day3 },
            new Visitor { ApplicationId = app.Id, VisitorId = "quiet", FirstSeen = day1, LastSeen = day1 });
        db.Accounts.Add(new Account { ApplicationId = app.Id, AccountId = "acme", FirstSeen = day1, LastSeen = day3 });
        db.Events.AddRange(
            Event(app.Id, "m1", "u1", "acme", day1),
            Event(app.Id, "m2", "u1", null, day1.AddHours(1)),
            Event(app.Id, "m3", "u1", "acme", day3),
            Event(app.Id, "m4", "someone-else", "acme", day3));
        await db.SaveChangesAsync();

        await migrator.MigrateAsync();

        db.ChangeTracker.Clear();
        var u1 = await db.Visitors.SingleAsync(v => v.VisitorId == "u1");
        Assert.Equal((3L, 2, DefaultFields.Day(day3)), (u1.EventCount, u1.DaysActive, u1.LastActiveDay));
        Assert.Equal(0, (await db.Visitors.SingleAsync(v => v.VisitorId == "quiet")).EventCount);
        var acme = await db.Accounts.SingleAsync();
        Assert.Equal((3L, 2, DefaultFields.Day(day3)), (acme.EventCount, acme.DaysActive, acme.LastActiveDay));
    }

    private static SegmentEvent Event(Guid app, string messageId, string visitor, string? account, DateTimeOffset at) => new()
    {
        ApplicationId = app, MessageId = messageId, Type = "track", Name = "Clicked", VisitorId = visitor, AccountId = account,
        Timestamp = at, ReceivedAt = at, GroupType = "segmentio",
    };

    public async Task DisposeAsync()
    {
        if (_postgres is not null) await PostgresServer.DropDatabaseAsync(_postgres);
        Directory.Delete(_folder, recursive: true);
    }
}

public sealed class DefaultMetadataBackfillTestsOnPostgres : DefaultMetadataBackfillTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
