using Portal.Core.Forwarding;

namespace Portal.Core.Ingestion;

/// <summary>
/// A forwarder pass's results, written by the single writer in the transaction of the batch it arrives with (alone when no
/// request came with it). On SQLite a second connection writing them would wait for the database's one write lock, and make
/// the next batches wait behind it; through the queue they cost the writer a few statements, no commit of their own and no
/// lock wait. Answered once committed; a failure is the exception.
/// </summary>
internal sealed class OutboxOutcomesWorkItem(OutboxOutcomes outcomes) : IngestionWorkItem
{
    public OutboxOutcomes Outcomes { get; } = outcomes;
}
