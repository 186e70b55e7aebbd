using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Core.Data;

namespace Portal.Core.Ingestion;

/// <summary>
/// Moves committed WAL pages into the database file beside the writer (PASSIVE: never blocks it),
/// because the writer's connection has automatic checkpoints turned off to keep commit latency flat.
/// </summary>
/// <remarks>
/// A checkpoint running beside a busy writer never catches up with it, and SQLite only starts the WAL
/// over once a checkpoint has caught up: without help the WAL grows by gigabytes under sustained load,
/// and every commit pays for growing the file. So once the WAL is large, this asks the writer to
/// finish the job between two batches (<see cref="TakeRestartRequest"/>): it only has to copy what
/// arrived while this checkpoint ran, after which its next transaction starts the WAL over.
/// </remarks>
internal sealed partial class WalCheckpointer(IDbContextFactory<PortalDbContext> contextFactory, ILogger logger)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);
    private const long RestartFrames = 1024;

    private int _restartRequested;

    /// <summary>True once after a checkpoint found the WAL large: the writer should checkpoint on its own connection.</summary>
    public bool TakeRestartRequest() => Interlocked.Exchange(ref _restartRequested, 0) == 1;

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
            await using (var timeout = connection.CreateCommand())
            {
                timeout.CommandText = "PRAGMA busy_timeout=1000;";
                await timeout.ExecuteNonQueryAsync(stoppingToken);
            }
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
            using var timer = new PeriodicTimer(Interval);
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    // Returns (busy, frames in the WAL, frames checkpointed).
                    await using var reader = await command.ExecuteReaderAsync(stoppingToken);
                    if (await reader.ReadAsync(stoppingToken) && reader.GetInt64(1) >= RestartFrames) Volatile.Write(ref _restartRequested, 1);
                }
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
