using Microsoft.Extensions.Options;
using Npgsql;
using Portal.Core.Data;
using Portal.Core.Data.Postgres;
using Portal.Core.Ingestion.Postgres;

namespace Portal.Core.Ingestion;

/// <summary>
/// After catalogue rows change outside ingestion (a field deleted, say), every instance's writer must re-read them
/// before its next batch, or it would write back what it remembers. On PostgreSQL the other instances hear of it
/// through a NOTIFY (<see cref="PostgresIngestionListener"/>); SQLite has only this instance.
/// </summary>
public sealed class CatalogueInvalidation(IngestionQueue queue, IOptions<DatabaseOptions> database, PostgresDataSource postgres, PortalInstance instance)
{
    /// <summary>Forgets one application's catalogue (every application's when null) on every instance.</summary>
    public async Task InvalidateAsync(Guid? applicationId, CancellationToken cancellationToken = default)
    {
        queue.InvalidateCatalogue(applicationId);
        if (database.Value.Provider != DatabaseProvider.Postgres) return;
        await using var command = postgres.DataSource.CreateCommand("SELECT pg_notify($1, $2)");
        command.Parameters.Add(new NpgsqlParameter { Value = CatalogueChannel.Name });
        command.Parameters.Add(new NpgsqlParameter { Value = CatalogueChannel.Payload(instance.Id, applicationId) });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
