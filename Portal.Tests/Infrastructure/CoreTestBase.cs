using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Portal.Tests.Infrastructure;

/// <summary>
/// A <see cref="CoreHost"/> per test class: real Portal.Core services on a fresh, migrated SQLite
/// file, with a controllable clock. Override <see cref="Configure"/> to add settings or services.
/// </summary>
public abstract class CoreTestBase : IAsyncLifetime
{
    private CoreHost? _host;

    protected CoreHost Host => _host ?? throw new InvalidOperationException("The host starts in InitializeAsync.");
    protected string DataDirectory => Host.Folder;
    protected string DatabasePath => Host.DatabasePath;
    protected FakeTimeProvider Time => Host.Time;
    protected IServiceProvider Services => Host.Services;

    /// <summary>The database engine; a suite runs on PostgreSQL too through a subclass that overrides this.</summary>
    protected virtual TestEngine Engine => TestEngine.Sqlite;

    protected virtual void Configure(Dictionary<string, string?> settings, IServiceCollection services) { }

    public virtual async Task InitializeAsync() => _host = await CoreHost.StartAsync(configure: Configure, engine: Engine);

    protected T Get<T>() where T : notnull => Host.Get<T>();

    /// <summary>A service acting as someone other than the host's Admin (see <see cref="CoreHost.Viewer"/>).</summary>
    protected T GetAs<T>(Portal.Core.Security.Actor actor) where T : notnull => Host.GetAs<T>(actor);

    public virtual async Task DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
    }
}
