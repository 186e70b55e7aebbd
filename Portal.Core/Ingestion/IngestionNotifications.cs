namespace Portal.Core.Ingestion;

/// <summary>What one writer commit changed, for pages that refresh live (Data Mappings, Ingestion log, Dashboard).</summary>
public sealed record IngestionCommitted(IReadOnlyCollection<Guid> ApplicationIds, int EventCount, bool NewFields, bool NewLogEntries);

/// <summary>
/// In-process fan-out from the ingestion writer to open pages. Subscribers must be quick and must not
/// throw: they run on the writer's thread (a page should only schedule its own throttled refresh).
/// </summary>
public sealed class IngestionNotifications
{
    private long published;

    public event Action<IngestionCommitted>? Committed;

    /// <summary>
    /// How many commits were published so far. A page that shows a snapshot taken earlier (its prerendered rows)
    /// compares this with the count at the snapshot to learn whether it missed a commit while nobody listened.
    /// </summary>
    public long Published => Interlocked.Read(ref published);

    public void Publish(IngestionCommitted committed)
    {
        Interlocked.Increment(ref published);
        var handlers = Committed;
        if (handlers is null) return;
        foreach (var handler in handlers.GetInvocationList().Cast<Action<IngestionCommitted>>())
        {
            try { handler(committed); }
            catch { /* A broken page must never stall ingestion. */ }
        }
    }
}
