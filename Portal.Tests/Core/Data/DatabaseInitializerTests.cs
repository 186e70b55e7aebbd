using Microsoft.Data.Sqlite;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Core.Data;

public sealed class DatabaseInitializerTests : CoreTestBase
{
    [Fact]
    public async Task TheDatabaseFileIsCreatedInWalModeWithBothRolesSeeded()
    {
        Assert.True(File.Exists(DatabasePath));
        await using var connection = new SqliteConnection($"Data Source={DatabasePath}");
        await connection.OpenAsync();

        await using var mode = connection.CreateCommand();
        mode.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", (string?)await mode.ExecuteScalarAsync());

        await using var roles = connection.CreateCommand();
        roles.CommandText = "SELECT group_concat(Name, ',') FROM (SELECT Name FROM AspNetRoles ORDER BY Name)";
        Assert.Equal("Admin,Viewer", (string?)await roles.ExecuteScalarAsync());
    }
}
