using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
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

public sealed class SqliteConnectionSettingsTests
{
    [Theory]
    [InlineData(null, 256L * 1024 * 1024)]
    [InlineData("67108864", 64L * 1024 * 1024)]
    [InlineData("0", 0L)]
    public async Task EveryConnectionOfTheContextFactoryReadsThroughAMemoryMapOfTheConfiguredSize(string? configured, long expected)
    {
        var settings = new Dictionary<string, string?>();
        if (configured is not null) settings["Database:SqliteMmapBytes"] = configured;
        await using var host = await CoreHost.StartAsync(settings);
        await using var db = await host.Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        await db.Database.OpenConnectionAsync();
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = "PRAGMA mmap_size;";

        Assert.Equal(expected, Convert.ToInt64(await command.ExecuteScalarAsync()));
    }
}
