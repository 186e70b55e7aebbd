namespace Portal.Core.Ingestion;

/// <summary>
/// The per-event lists of <see cref="IngestionBatchPlan"/>, kept by the writer from one commit to the next. A commit of a
/// few thousand events needs arrays past 85 KB, which the runtime puts on the large object heap, where allocations
/// trigger full (gen 2) collections: with new lists every commit, 7 of 9 full collections in 8 s of 100-message batches
/// (forwarding on, a second list) were triggered by them. Kept, they grow to the largest commit once. One plan at a time.
/// </summary>
internal sealed class IngestionPlanLists
{
    public List<PlannedEvent> Events { get; } = [];
    public List<PlannedEvent> Outbox { get; } = [];
}
