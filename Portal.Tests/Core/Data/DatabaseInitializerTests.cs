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

public sealed class DatabaseKeyRingTests
{
    [Fact]
    public async Task WithTheKeyRingInTheDatabaseAnotherHostOnTheSameFileRevealsAStoredKey()
    {
        var settings = new Dictionary<string, string?> { ["KeyRing:Store"] = "Database" };
        await using var first = await CoreHost.StartAsync(settings);
        var app = (await first.Get<Portal.Core.Applications.ApplicationService>().CreateAsync("Shop")).Value!;
        var issued = (await first.Get<Portal.Core.Applications.ApiKeyService>().GenerateAsync(app.Id)).Value!;

        settings["Database:SqlitePath"] = first.DatabasePath;
        settings["KeyRing:Path"] = Path.Combine(first.Folder, "no-such-folder");
        await using var second = await CoreHost.StartAsync(settings);
        var revealed = await second.Get<Portal.Core.Applications.ApiKeyService>().RevealAsync(issued.KeyId);

        Assert.Equal(issued.Key, revealed.Value);
        Assert.False(Directory.Exists(Path.Combine(first.Folder, "keys")));
    }
}
