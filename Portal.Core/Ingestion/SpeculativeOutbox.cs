namespace Portal.Core.Ingestion;

/// <summary>
/// A commit's outbox entries packed on a thread-pool thread in case every forwarded message turns out new (see
/// <see cref="IngestionBatchPlan.StartPackingOutbox"/>). Whoever gets to them first packs them: the writer never waits for a
/// work item still queued behind requests, only for one already being packed.
/// </summary>
internal sealed class SpeculativeOutbox
{
    private readonly Lazy<List<PlannedOutboxEntry>> _entries;
    private volatile bool _dropped;

    public SpeculativeOutbox(int messages, Func<List<PlannedOutboxEntry>> pack)
    {
        Messages = messages;
        _entries = new(pack, LazyThreadSafetyMode.ExecutionAndPublication);
        ThreadPool.UnsafeQueueUserWorkItem(static speculative => speculative.Pack(), this, preferLocal: false);
    }

    /// <summary>How many messages the entries hold: every forwarded message of the commit.</summary>
    public int Messages { get; }

    /// <summary>The entries; a packing failure is thrown here, on the writer, as if it had packed them itself.</summary>
    public List<PlannedOutboxEntry> Take() => _entries.Value;

    /// <summary>Not needed after all (a duplicate): not packed if no thread has started yet.</summary>
    public void Drop() => _dropped = true;

    private void Pack()
    {
        if (_dropped) return;
        try
        {
            _ = _entries.Value;
        }
        catch (Exception)
        {
            // Kept by the Lazy and thrown by Take: a pool thread must not bring the process down.
        }
    }
}
