using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Core.Data;

namespace Portal.Core.Ingestion;

/// <summary>
/// Moves committed WAL pages into the database file beside the writer (PASSIVE: never blocks it),
/// because the writer's connection has automatic checkpoints turned off to keep commit latency flat.
/// </summary>
internal sealed partial class WalCheckpointer(IDbContextFactory<PortalDbContext> contextFactory, ILogger logger)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        string connectionString;
        await using (var db = await contextFactory.CreateDbContextAsync(stoppingToken))
        {
            if (!db.Database.IsSqlite()) return;
            connectionString = db.Database.GetConnectionString()!;
        }
        await using var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(stoppingToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA busy_timeout=1000; PRAGMA wal_checkpoint(PASSIVE);";
            using var timer = new PeriodicTimer(Interval);
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try { await command.ExecuteNonQueryAsync(stoppingToken); }
                catch (SqliteException ex) { LogCheckpointFailed(logger, ex); }
            }
        }
        catch (OperationCanceledException) { }
        finally
        {
            // A last full checkpoint leaves a small WAL behind after shutdown.
            try
            {
                await using var final = connection.CreateCommand();
                final.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
                if (connection.State == System.Data.ConnectionState.Open) await final.ExecuteNonQueryAsync(CancellationToken.None);
            }
            catch (SqliteException) { }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "WAL checkpoint skipped")]
    private static partial void LogCheckpointFailed(ILogger logger, Exception exception);
}
