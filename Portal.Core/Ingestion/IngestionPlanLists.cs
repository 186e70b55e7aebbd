namespace Portal.Core.Ingestion;

/// <summary>
/// The per-event lists of <see cref="IngestionBatchPlan"/>, kept by the writer from one commit to the next. A commit of a
/// few thousand events needs arrays past 85 KB, which the runtime puts on the large object heap, and every such array
/// counts towards a full (gen 2) collection: new lists per commit made most of the full collections under load, twice as
/// many with forwarding on (the outbox list). Kept, they grow to the largest commit once. Only one plan uses them at a time.
/// </summary>
internal sealed class IngestionPlanLists
{
    public List<PlannedEvent> Events { get; } = [];
    public List<PlannedEvent> Outbox { get; } = [];
}
