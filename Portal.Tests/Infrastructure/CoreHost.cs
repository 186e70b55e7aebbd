using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Portal.Core;
using Portal.Core.Data;
using Portal.Core.Security;

namespace Portal.Tests.Infrastructure;

/// <summary>
/// Portal.Core's real services on a temporary, migrated SQLite file and key ring, with a fake clock.
/// Tests that need one per class derive from <see cref="CoreTestBase"/>; tests that need several, or
/// per-test settings, start their own.
/// </summary>
public sealed class CoreHost : IAsyncDisposable
{
    /// <summary>The audit name of the Admin that <see cref="Get{T}"/>'s services act as.</summary>
    public const string AdminName = "admin@portal.test";

    private readonly ServiceProvider _services;
    private readonly AsyncServiceScope _adminScope;
    private readonly List<AsyncServiceScope> _scopes = [];

    private readonly string? _postgres;

    private CoreHost(ServiceProvider services, string folder, FakeTimeProvider time, TestEngine engine, string? postgres)
    {
        _services = services;
        _adminScope = services.CreateActorScope(new Actor("test-admin", AdminName, IsAdmin: true));
        _postgres = postgres;
        Folder = folder;
        Time = time;
        Engine = engine;
    }

    public TestEngine Engine { get; }

    public string Folder { get; }
    public string DatabasePath => Path.Combine(Folder, "portal.db");
    public FakeTimeProvider Time { get; }
    public IServiceProvider Services => _services;

    /// <summary>A service as an Admin uses it (scoped services come from one scope that acts as <see cref="AdminName"/>).</summary>
    public T Get<T>() where T : notnull => _adminScope.ServiceProvider.GetRequiredService<T>();

    /// <summary>A service that acts as <paramref name="actor"/>, e.g. a Viewer to prove a refusal; its scope lives as long as the host.</summary>
    public T GetAs<T>(Actor actor) where T : notnull
    {
        var scope = _services.CreateActorScope(actor);
        _scopes.Add(scope);
        return scope.ServiceProvider.GetRequiredService<T>();
    }

    public static Actor Viewer(string name = "viewer@portal.test") => new("test-viewer", name, IsAdmin: false);

    public static async Task<CoreHost> StartAsync(IDictionary<string, string?>? settings = null,
        Action<Dictionary<string, string?>, IServiceCollection>? configure = null, TestEngine engine = TestEngine.Sqlite)
    {
        var folder = Path.Combine(Path.GetTempPath(), "portal-core-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var config = new Dictionary<string, string?>
        {
            ["Database:SqlitePath"] = Path.Combine(folder, "portal.db"),
            ["KeyRing:Path"] = Path.Combine(folder, "keys"),
            // Counts are written in the commit of their message, so a test reads them right after its request;
            // EntityCountsTests covers the deferred default.
            ["Ingestion:EntityCountsFlushMilliseconds"] = "0",
        };
        string? postgres = null;
        if (engine == TestEngine.Postgres)
        {
            postgres = await PostgresServer.CreateDatabaseAsync();
            config["Database:Provider"] = "Postgres";
            config["Database:ConnectionString"] = postgres;
        }
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) config[k] = v;

        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection();
        configure?.Invoke(config, services);
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(config).Build());
        services.AddSingleton<IHostEnvironment>(new TestHostEnvironment(folder));
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton<TimeProvider>(time);
        services.AddPortalCore();
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        await provider.GetRequiredService<DatabaseInitializer>().InitializeAsync();
        return new CoreHost(provider, folder, time, engine, postgres);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var scope in _scopes) await scope.DisposeAsync();
        await _adminScope.DisposeAsync();
        await _services.DisposeAsync();
        SqliteConnection.ClearAllPools();
        if (_postgres is not null) await PostgresServer.DropDatabaseAsync(_postgres);
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
