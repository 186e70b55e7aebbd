using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Portal.Core.Data;
using Portal.Core.Data.Postgres;

namespace Portal.Core.Ingestion.Postgres;

/// <summary>
/// Brings other instances' commits to this instance's live pages: every instance announces its commits with a NOTIFY
/// (<see cref="IngestionChannel"/>, sent by <see cref="PostgresIngestionAnnouncer"/>), and this LISTENs and republishes them through
/// <see cref="IngestionNotifications"/>. It also hears catalogue changes (<see cref="CatalogueChannel"/>) and has
/// this instance's writer forget what it remembers of them. Does nothing on SQLite (one instance only).
/// </summary>
internal sealed partial class PostgresIngestionListener(
    IOptions<DatabaseOptions> database,
    PostgresDataSource postgres,
    PortalInstance instance,
    IngestionNotifications notifications,
    IngestionQueue queue,
    ILogger<PostgresIngestionListener> logger) : BackgroundService
{
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(2);
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the first LISTEN is in place: from then on no other instance's commit is missed.</summary>
    public Task Listening => _listening.Task;

    /// <summary>Another instance's catalogue change reached this instance's writer (raised after it was queued).</summary>
    internal event Action<Guid?>? CatalogueInvalidated;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (database.Value.Provider != DatabaseProvider.Postgres) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await postgres.DataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += OnNotification;
                await using (var listen = new NpgsqlCommand($"LISTEN {IngestionChannel.Name}; LISTEN {CatalogueChannel.Name}", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                _listening.TrySetResult();
                while (true) await connection.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogListenFailed(logger, ex);
                try { await Task.Delay(ReconnectDelay, stoppingToken); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        if (e.Channel == CatalogueChannel.Name)
        {
            if (CatalogueChannel.Parse(e.Payload) is { } change && change.Instance != instance.Id)
            {
                queue.InvalidateCatalogue(change.App);
                CatalogueInvalidated?.Invoke(change.App);
            }
            return;
        }
        if (IngestionChannel.Parse(e.Payload) is not { } message || message.Instance == instance.Id) return;
        notifications.Publish(new IngestionCommitted(message.Apps, message.Events, message.NewFields, NewLogEntries: true));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listening for other instances' commits failed; retrying")]
    private static partial void LogListenFailed(ILogger logger, Exception exception);
}
