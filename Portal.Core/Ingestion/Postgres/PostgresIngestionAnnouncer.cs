using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Portal.Core.Data;
using Portal.Core.Data.Postgres;

namespace Portal.Core.Ingestion.Postgres;

/// <summary>
/// Tells the other instances' live pages about this instance's commits (see <see cref="PostgresIngestionListener"/>):
/// one <c>NOTIFY</c> for all the commits since the last, after them, on a connection of its own, at most every
/// <see cref="Interval"/>.
/// </summary>
/// <remarks>
/// Not in the ingestion transaction: PostgreSQL puts a commit that has sent a NOTIFY behind a database-wide lock held through
/// its WAL flush, so with a NOTIFY in every commit two instances' writers waited for each other's fsyncs. The announcement
/// commits with <c>synchronous_commit</c> off: a page refresh needs no durability, and the lock is then held for
/// microseconds. Lost on a crash between a commit and its announcement: a page then waits for the next one.
/// </remarks>
public sealed partial class PostgresIngestionAnnouncer(
    IOptions<DatabaseOptions> database,
    PostgresDataSource postgres,
    PortalInstance instance,
    ILogger<PostgresIngestionAnnouncer> logger) : BackgroundService
{
    /// <summary>How often at most this instance announces: pages on other instances are this much later than their own.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _pending = new(0, 1);
    private HashSet<Guid> _applications = [];
    private int _events;
    private bool _newFields;

    /// <summary>A commit of this instance's writer; the announcement follows within <see cref="Interval"/>.</summary>
    internal void Committed(IReadOnlyCollection<Guid> applicationIds, int events, bool newFields)
    {
        lock (_gate)
        {
            _applications.UnionWith(applicationIds);
            _events += events;
            _newFields |= newFields;
        }
        if (_pending.CurrentCount == 0)
        {
            try { _pending.Release(); }
            catch (SemaphoreFullException) { /* Already pending. */ }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (database.Value.Provider != DatabaseProvider.Postgres) return;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await _pending.WaitAsync(stoppingToken);
                await AnnounceAsync(stoppingToken);
                // Real time, not the TimeProvider: this spaces announcements under load, it is not about what the clock says.
                await Task.Delay(Interval, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task AnnounceAsync(CancellationToken cancellationToken)
    {
        Guid[] applications;
        int events;
        bool newFields;
        lock (_gate)
        {
            applications = [.. _applications];
            events = _events;
            newFields = _newFields;
            _applications = [];
            _events = 0;
            _newFields = false;
        }
        // A commit that arrived between the wake-up and the snapshot above is in it already.
        if (applications.Length == 0) return;
        try
        {
            await using var connection = await postgres.DataSource.OpenConnectionAsync(cancellationToken);
            // SET LOCAL, in a transaction of its own: the setting ends with it and never reaches a pooled connection's next user.
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using var batch = new NpgsqlBatch(connection, transaction)
            {
                BatchCommands =
                {
                    new NpgsqlBatchCommand("SET LOCAL synchronous_commit TO off"),
                    new NpgsqlBatchCommand("SELECT pg_notify($1, $2)")
                    {
                        Parameters =
                        {
                            new NpgsqlParameter { Value = IngestionChannel.Name },
                            new NpgsqlParameter { Value = IngestionChannel.Payload(instance.Id, applications, events, newFields) },
                        },
                    },
                },
            };
            await batch.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The data is committed; only other instances' pages miss this refresh (they catch up at the next announcement).
            LogAnnounceFailed(logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telling other instances about this instance's commits failed")]
    private static partial void LogAnnounceFailed(ILogger logger, Exception exception);
}
