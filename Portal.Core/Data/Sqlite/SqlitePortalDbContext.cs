using Microsoft.EntityFrameworkCore;

namespace Portal.Core.Data.Sqlite;

/// <summary>
/// The SQLite flavour of <see cref="PortalDbContext"/>. Its migrations live beside it:
/// <c>dotnet ef migrations add NAME --project Portal.Core --startup-project Portal --context SqlitePortalDbContext --output-dir Data/Sqlite/Migrations</c>
/// </summary>
public sealed class SqlitePortalDbContext(DbContextOptions<SqlitePortalDbContext> options) : PortalDbContext(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite cannot order or compare DateTimeOffset columns; stored as UTC ticks they sort and filter in SQL.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToUtcTicksConverter>();
        configurationBuilder.Properties<DateTimeOffset?>().HaveConversion<DateTimeOffsetToUtcTicksConverter>();
    }
}
