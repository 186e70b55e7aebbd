using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Common;

namespace Portal.Core.Data;

/// <summary>
/// A consistent copy of the live SQLite database, taken while Portal runs. <c>VACUUM INTO</c> reads one
/// snapshot (a WAL read transaction, so the writer is never paused) and writes it as a compact, self-contained
/// file with no WAL beside it: every transaction committed before the copy began is in it, none half.
/// </summary>
public sealed class DatabaseBackup(IDbContextFactory<PortalDbContext> contextFactory)
{
    public async Task<OperationResult<BackupSummary>> BackupAsync(string targetPath, CancellationToken cancellationToken = default)
    {
        var target = Path.GetFullPath(targetPath);
        if (File.Exists(target) || Directory.Exists(target))
            return OperationResult<BackupSummary>.Fail($"{target} already exists; a backup never overwrites a file.");
        if (Path.GetDirectoryName(target) is { } folder && !Directory.Exists(folder))
            return OperationResult<BackupSummary>.Fail($"The folder {folder} does not exist.");

        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        if (!db.Database.IsSqlite()) return OperationResult<BackupSummary>.Fail("backup copies the SQLite database; use your database's own tools for other providers.");

        // Its own connection, so the copy is not tied to anything a pooled connection has open.
        await using var connection = new SqliteConnection(db.Database.GetConnectionString());
        await connection.OpenAsync(cancellationToken);
        try
        {
            await using var vacuum = connection.CreateCommand();
            vacuum.CommandText = "VACUUM INTO $target;";
            vacuum.Parameters.AddWithValue("$target", target);
            await vacuum.ExecuteNonQueryAsync(cancellationToken);
            // VACUUM INTO does not sync its output: make the copy durable before saying it is done.
            await using (var written = new FileStream(target, FileMode.Open, FileAccess.ReadWrite, FileShare.Read))
                written.Flush(flushToDisk: true);
        }
        catch
        {
            // A half-written copy must not look like a backup.
            File.Delete(target);
            throw;
        }
        return OperationResult<BackupSummary>.Ok(new BackupSummary(target, new FileInfo(target).Length));
    }
}

public sealed record BackupSummary(string Path, long Bytes);
