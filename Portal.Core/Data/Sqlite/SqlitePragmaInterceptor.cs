using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Portal.Core.Data.Sqlite;

/// <summary>
/// Per-connection SQLite settings: durability level, how long to wait on a busy writer, and how much of the file reads see
/// through a memory map (<see cref="DatabaseOptions.SqliteMmapBytes"/>).
/// </summary>
internal sealed class SqlitePragmaInterceptor(string synchronous, long mmapBytes) : DbConnectionInterceptor
{
    private readonly string _pragmas = $"PRAGMA synchronous={synchronous}; PRAGMA busy_timeout=10000; PRAGMA mmap_size={mmapBytes};";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = _pragmas;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = _pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
