using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Security;

namespace Portal.Core.Data;

/// <summary>Creates the database (and its folder) on first run, readable by Portal's user only, and applies migrations.</summary>
public sealed class DatabaseInitializer(
    IDbContextFactory<PortalDbContext> contextFactory,
    IOptions<DatabaseOptions> options,
    ILogger<DatabaseInitializer> logger)
{
    /// <summary>Any fixed number: every Portal instance on one PostgreSQL database takes this advisory lock to migrate.</summary>
    internal const long MigrationLockKey = 0x506f7274616c; // "Portal"

    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        if (db.Database.IsSqlite())
        {
            var connection = new SqliteConnectionStringBuilder(db.Database.GetConnectionString());
            var path = connection.DataSource;
            if (connection.Mode != SqliteOpenMode.Memory && path is { Length: > 0 } and not ":memory:")
            {
                var fullPath = Path.GetFullPath(path);
                var folder = Path.GetDirectoryName(fullPath);
                if (!string.IsNullOrEmpty(folder)) OwnerOnlyFiles.CreateDirectory(folder);
                // SQLite gives the -wal and -shm files the database file's permissions, so 0600 here covers all three.
                OwnerOnlyFiles.CreateFile(fullPath);
                OwnerOnlyFiles.Restrict(fullPath + "-wal");
                OwnerOnlyFiles.Restrict(fullPath + "-shm");
            }
            // WAL lets page reads proceed while the ingestion writer commits; the mode persists in the file.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }

        if (!options.Value.ApplyMigrationsAtStartup)
        {
            logger.LogInformation("Database migrations at start-up are turned off");
            return;
        }

        if (db.Database.IsNpgsql())
        {
            // Several instances starting together: one migrates, the others wait on the lock and then find nothing pending.
            await db.Database.OpenConnectionAsync(cancellationToken);
            try
            {
                await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_lock({MigrationLockKey})", cancellationToken);
                await MigrateAsync(db, cancellationToken);
            }
            finally
            {
                await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_unlock({MigrationLockKey})", CancellationToken.None);
                await db.Database.CloseConnectionAsync();
            }
            return;
        }
        await MigrateAsync(db, cancellationToken);
    }

    private async Task MigrateAsync(PortalDbContext db, CancellationToken cancellationToken)
    {
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        if (pending.Count > 0)
        {
            logger.LogInformation("Applying {Count} database migration(s): {Migrations}", pending.Count, pending);
            await db.Database.MigrateAsync(cancellationToken);
        }
    }
}
