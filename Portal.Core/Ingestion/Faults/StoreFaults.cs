using Microsoft.Data.Sqlite;
using Npgsql;

namespace Portal.Core.Ingestion.Faults;

/// <summary>Tells a database that cannot take writes right now from a batch that cannot be written at all.</summary>
internal static class StoreFaults
{
    // SQLITE_IOERR, BUSY, LOCKED, NOMEM, READONLY, FULL, CANTOPEN: the database, not the data, is the problem.
    private static readonly HashSet<int> SqliteUnavailable = [5, 6, 7, 8, 10, 13, 14];

    /// <summary>
    /// True when no batch would commit now (locked, disk full, connection lost): retrying each request alone would
    /// only make every one of them wait again, so the writer turns the whole queue away instead.
    /// </summary>
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        SqliteException sqlite => SqliteUnavailable.Contains(sqlite.SqliteErrorCode & 0xFF),
        // Class 08 connection, 53 insufficient resources (disk full), 57 operator intervention, 55P03 lock timeout.
        PostgresException pg => pg.IsTransient || pg.SqlState.StartsWith("08", StringComparison.Ordinal)
            || pg.SqlState.StartsWith("53", StringComparison.Ordinal) || pg.SqlState.StartsWith("57", StringComparison.Ordinal)
            || pg.SqlState == PostgresErrorCodes.LockNotAvailable,
        NpgsqlException npgsql => npgsql.IsTransient,
        TimeoutException or IOException => true,
        _ => exception.InnerException is { } inner && IsUnavailable(inner),
    };

    /// <summary>One line for logs and the readiness report: the database's own message, without a stack trace.</summary>
    public static string Describe(Exception exception) => exception switch
    {
        SqliteException sqlite => $"SQLite error {sqlite.SqliteErrorCode}: {sqlite.Message}",
        PostgresException pg => $"PostgreSQL {pg.SqlState}: {pg.MessageText}",
        _ => $"{exception.GetType().Name}: {exception.Message}",
    };
}
