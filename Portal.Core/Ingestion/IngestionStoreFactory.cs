using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Data;
using Portal.Core.Data.Postgres;
using Portal.Core.Ingestion.Postgres;

namespace Portal.Core.Ingestion;

/// <summary>Opens the ingestion store of the configured database provider (the writer opens it on first use).</summary>
public sealed class IngestionStoreFactory(
    IDbContextFactory<PortalDbContext> contextFactory,
    PostgresDataSource postgres,
    PostgresIngestionAnnouncer announcer,
    IOptions<IngestionOptions> options,
    IOptions<DatabaseOptions> database,
    ILogger<IngestionWriter> logger)
{
    internal async Task<IIngestionStore> OpenAsync(CancellationToken cancellationToken) => database.Value.Provider switch
    {
        DatabaseProvider.Sqlite => await SqliteIngestionStore.OpenAsync(contextFactory, options.Value, logger, cancellationToken),
        DatabaseProvider.Postgres => new PostgresIngestionStore(postgres.DataSource, options.Value, announcer, logger),
        var other => throw new NotSupportedException($"No ingestion store for database provider '{other}'."),
    };
}
