using Microsoft.EntityFrameworkCore;
using Portal.Core.Applications;
using Portal.Core.Data;
using Portal.Core.Data.Postgres;
using Portal.Core.Data.Sqlite;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Core.Data;

public sealed class ProviderModelTests
{
    [Fact]
    public void TheSqliteMigrationsMatchTheModel()
    {
        using var db = new SqlitePortalDbContext(new DbContextOptionsBuilder<SqlitePortalDbContext>().UseSqlite("Data Source=:memory:")
            .UseApplicationServiceProvider(PostgresDesignTimeFactory.ModelServices()).Options);

        Assert.False(db.Database.HasPendingModelChanges(), "Add a SQLite migration (see README, Database changes).");
    }

    [Fact]
    public void ThePostgresMigrationsMatchTheModel()
    {
        using var db = new PostgresDesignTimeFactory().CreateDbContext([]);

        Assert.False(db.Database.HasPendingModelChanges(), "Add a PostgreSQL migration (see README, Database changes).");
    }
}

public sealed class PostgresDatabaseTests
{
    [Fact]
    public async Task SeveralInstancesStartingTogetherMigrateTheDatabaseOnce()
    {
        var connectionString = await PostgresServer.CreateDatabaseAsync();
        var settings = new Dictionary<string, string?> { ["Database:Provider"] = "Postgres", ["Database:ConnectionString"] = connectionString };
        try
        {
            var hosts = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => CoreHost.StartAsync(settings)));
            await using var db = await hosts[0].Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();

            Assert.Empty(await db.Database.GetPendingMigrationsAsync());
            Assert.Equal(2, await db.Roles.CountAsync());
            foreach (var host in hosts) await host.DisposeAsync();
        }
        finally
        {
            await PostgresServer.DropDatabaseAsync(connectionString);
        }
    }

    [Fact]
    public async Task WithTheKeyRingInTheDatabaseAnotherInstanceRevealsAStoredKey()
    {
        var settings = new Dictionary<string, string?> { ["KeyRing:Store"] = "Database" };
        await using var first = await CoreHost.StartAsync(settings, engine: TestEngine.Postgres);
        var app = (await first.Get<ApplicationService>().CreateAsync("Shop")).Value!;
        var issued = (await first.Get<ApiKeyService>().GenerateAsync(app.Id)).Value!;

        await using var db = await first.Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        settings["Database:Provider"] = "Postgres";
        settings["Database:ConnectionString"] = db.Database.GetConnectionString();
        settings["KeyRing:Path"] = Path.Combine(first.Folder, "no-such-folder");
        await using var second = await CoreHost.StartAsync(settings);
        var revealed = await second.Get<ApiKeyService>().RevealAsync(issued.KeyId);

        Assert.Equal(issued.Key, revealed.Value);
        Assert.NotEmpty(await db.DataProtectionKeys.ToListAsync());
    }
}
