using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Core.Data;

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
