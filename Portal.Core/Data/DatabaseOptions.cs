using System.ComponentModel.DataAnnotations;

namespace Portal.Core.Data;

public sealed class DatabaseOptions
{
    public const string SectionName = "Database";

    /// <summary>
    /// The database engine: Sqlite (embedded, the default) or Postgres (several Portal instances on one database).
    /// Each provider brings its own context and migrations.
    /// </summary>
    [Required]
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>SQLite file path, relative to the content root; created on first run.</summary>
    [Required]
    public string SqlitePath { get; set; } = "data/portal.db";

    /// <summary>A full connection string: required for Postgres (an Npgsql connection string, <c>Host=…;Database=…;Username=…</c>); for Sqlite it overrides <see cref="SqlitePath"/>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>SQLite durability: FULL (default) fsyncs every commit; NORMAL may lose the last commits on power loss.</summary>
    [RegularExpression("^(FULL|NORMAL|EXTRA|OFF)$")]
    public string SqliteSynchronous { get; set; } = "FULL";

    /// <summary>
    /// How much of the SQLite file each connection reads through a memory map (0: none). A page's totals count a whole index
    /// range (100,000 visitors: ~1,500 pages); through SQLite's own page cache (2 MB a connection, emptied whenever another
    /// connection has committed) each page is a read() and a copy, through the map it is the operating system's cached page.
    /// Writes do not go through the map.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long SqliteMmapBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Apply pending migrations at start-up. Turn off where migrations are run separately.</summary>
    public bool ApplyMigrationsAtStartup { get; set; } = true;
}

public enum DatabaseProvider
{
    Sqlite = 0,
    Postgres = 1,
}
