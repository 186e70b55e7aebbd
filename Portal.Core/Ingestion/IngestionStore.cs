namespace Portal.Core.Ingestion;

/// <summary>
/// What the ingestion writer needs from a database engine, and nothing more. One implementation per
/// provider (<see cref="SqliteIngestionStore"/>, PostgresIngestionStore); the
/// provider-neutral decisions live in <see cref="IngestionBatchPlan"/> and <see cref="CataloguePlan"/>.
/// A store is used by one writer at a time and lives as long as the writer.
/// </summary>
internal interface IIngestionStore : IAsyncDisposable
{
    /// <summary>
    /// In one transaction: inserts <see cref="IngestionBatchPlan.Events"/> (at most one row per application and
    /// messageId, ever), reports which were new through <see cref="IngestionBatchPlan.Resolve"/>, writes the
    /// entities, catalogue, log entries, key touches, outbox entries and the forwarder's outcomes
    /// (<see cref="IngestionBatchPlan.OutboxOutcomes"/>) the plan then holds, and commits. Throws when nothing was
    /// committed. Returns whether a field was catalogued for the first time.
    /// </summary>
    Task<bool> WriteAsync(IngestionBatchPlan plan, WriterMemory memory, CancellationToken cancellationToken);

    /// <summary>Deletes log entries past retention and raw bodies past the per-app sample, a bounded chunk at a time; returns how many entries went.</summary>
    Task<int> PruneAsync(DateTimeOffset now, IReadOnlyCollection<Guid> sampledApps, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes the next chunk of track events received before <paramref name="cutoff"/>, oldest first, in one short
    /// transaction (with their visitor-index rows); returns how many went. Events are visited in id order behind a
    /// watermark, so an idle call costs one row read, not a table scan.
    /// </summary>
    Task<int> DeleteExpiredTrackEventsAsync(DateTimeOffset cutoff, int chunk, CancellationToken cancellationToken);

    /// <summary>
    /// Engine upkeep between batches, after the waiting requests are answered (SQLite: the WAL restart and the
    /// deferred visitor index). <paramref name="idle"/>: a housekeeping pass, no traffic waiting — finish what is behind.
    /// </summary>
    Task HousekeepAsync(bool idle, CancellationToken cancellationToken);

    /// <summary>
    /// In one transaction: deletes the delivered messages from the outbox and counts them per application, and records the
    /// failed ones' retry time or dead letter (counting the attempt where the engine's claim did not).
    /// </summary>
    Task WriteOutboxOutcomesAsync(IReadOnlyList<Forwarding.OutboxOutcomes> outcomes, CancellationToken cancellationToken);
}


/// <summary>What the writer remembers between batches; provider-neutral.</summary>
internal sealed class WriterMemory(int maxFieldsPerKind)
{
    public FieldCatalogueCache Catalogue { get; } = new(maxFieldsPerKind);
    public EntityRows Visitors { get; } = new();
    public EntityRows Accounts { get; } = new();
    public FieldCounts Fields { get; } = new();

    /// <summary>Visitor, account and catalogue rows with counts waiting for a flush.</summary>
    public int WaitingCounts => Visitors.Waiting + Accounts.Waiting + Fields.Waiting;

    /// <summary>Fields changed outside ingestion: the catalogue is read again, and what waited for those rows is dropped.</summary>
    public void ForgetCatalogue(Guid? app)
    {
        if (app is { } id) Catalogue.Clear(id); else Catalogue.Clear();
        Fields.Forget(app);
    }

    /// <summary>After a failed transaction: what the caches learnt from it is no longer true (waiting counts are from earlier commits).</summary>
    public void Forget()
    {
        Catalogue.Clear();
        Visitors.ForgetRows();
        Accounts.ForgetRows();
    }
}
