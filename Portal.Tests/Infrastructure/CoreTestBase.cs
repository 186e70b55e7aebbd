using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Portal.Core;
using Portal.Core.Data;

namespace Portal.Tests.Infrastructure;

/// <summary>
/// Real Portal.Core services on a fresh, migrated SQLite file, with a controllable clock.
/// Override <see cref="Configure"/> to add settings or services.
/// </summary>
public abstract class CoreTestBase : IAsyncLifetime
{
    protected string DataDirectory { get; } = Directory.CreateTempSubdirectory("portal-core-").FullName;
    protected string DatabasePath => Path.Combine(DataDirectory, "portal.db");
    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero));
    protected ServiceProvider Services { get; private set; } = default!;

    protected virtual void Configure(Dictionary<string, string?> settings, IServiceCollection services) { }

    public virtual async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Database:SqlitePath"] = DatabasePath,
            ["KeyRing:Path"] = Path.Combine(DataDirectory, "keys"),
        };
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(Time);
        services.AddLogging();
        Configure(settings, services);
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddSingleton<IHostEnvironment>(new TestHostEnvironment(DataDirectory));
        services.AddPortalCore();
        Services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        await Services.GetRequiredService<DatabaseInitializer>().InitializeAsync();
    }

    protected T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    public virtual async Task DisposeAsync()
    {
        await Services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
