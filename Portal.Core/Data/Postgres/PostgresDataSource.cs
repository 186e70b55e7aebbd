using Microsoft.Extensions.Options;
using Npgsql;

namespace Portal.Core.Data.Postgres;

/// <summary>
/// The one Npgsql data source (connection pool) of this instance, shared by EF Core, the ingestion store and the
/// notification listener. Created on first use, so a SQLite deployment never builds it.
/// </summary>
public sealed class PostgresDataSource(IOptions<DatabaseOptions> options) : IAsyncDisposable
{
    private readonly Lazy<NpgsqlDataSource> _dataSource = new(() =>
    {
        var builder = new NpgsqlDataSourceBuilder(options.Value.ConnectionString
            ?? throw new InvalidOperationException("Database:ConnectionString is required for PostgreSQL."));
        // Auto-preparation: the writer's statements are parsed and planned once per connection, not once per commit.
        if (builder.ConnectionStringBuilder.MaxAutoPrepare == 0) builder.ConnectionStringBuilder.MaxAutoPrepare = 64;
        return builder.Build();
    });

    public NpgsqlDataSource DataSource => _dataSource.Value;

    public async ValueTask DisposeAsync()
    {
        if (_dataSource.IsValueCreated) await _dataSource.Value.DisposeAsync();
    }
}
