using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Portal.Core.Data.Sqlite;
using Portal.Core.Visitors;

namespace Portal.Tests.Core.Data;

public sealed class VisitorTrackIndexMigrationTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("portal-migration-").FullName;

    [Fact]
    public async Task UpgradingADatabaseWithEventsIndexesTheirVisitorsAndDropsTheOldIndex()
    {
        var connectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(_folder, "portal.db"), Pooling = false }.ToString();
        var options = new DbContextOptionsBuilder<SqlitePortalDbContext>().UseSqlite(connectionString)
            .ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning)).Options;
        await using var db = new SqlitePortalDbContext(options);
        await db.GetService<IMigrator>().MigrateAsync("20261128110646_InitialCreate");
        await db.Database.ExecuteSqlRawAsync("""
            INSERT INTO Events (ApplicationId, MessageId, Type, Name, VisitorId, Timestamp, ReceivedAt, GroupType) VALUES
                ('A', 'm1', 'track', 'Viewed', 'u1', 0, 0, 'segmentio'),
                ('A', 'm2', 'identify', NULL, 'u1', 0, 0, 'segmentio'),
                ('A', 'm3', 'track', 'Viewed', 'u2', 0, 0, 'segmentio');
            """);

        await db.Database.MigrateAsync();

        Assert.Equal(["u1:1", "u2:3"], await db.VisitorTrackEvents.OrderBy(v => v.EventId).Select(v => v.VisitorId + ":" + v.EventId).ToListAsync());
        Assert.Equal(3, (await db.IndexWatermarks.SingleAsync(w => w.Name == VisitorTrackIndex.WatermarkName)).EventId);
        var indexes = await db.Database.SqlQueryRaw<string>("SELECT name AS Value FROM sqlite_master WHERE type = 'index' AND tbl_name = 'Events'").ToListAsync();
        Assert.DoesNotContain("IX_Events_ApplicationId_VisitorId_Id", indexes);
        var withoutRowid = await db.Database.SqlQueryRaw<string>("SELECT sql AS Value FROM sqlite_master WHERE name = 'VisitorTrackEvents'").SingleAsync();
        Assert.Contains("WITHOUT ROWID", withoutRowid);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
