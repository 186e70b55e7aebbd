namespace Portal.Core.Forwarding;

/// <summary>
/// What one forwarder pass learnt, written in one transaction (<see cref="OutboxStore.RecordAsync"/>): entries whose
/// messages all reached Pendo leave the outbox, with their count kept per application (<see cref="ForwardingDelivery"/>);
/// entries that failed as a whole wait for their retry in place; the messages of entries that got only partly through go
/// on in new entries (dead letters one message each).
/// </summary>
public sealed class OutboxOutcomes(DateTimeOffset at)
{
    private readonly Dictionary<Guid, int> _deliveredPerApp = [];

    /// <summary>When the pass ended: the time its deliveries are counted at.</summary>
    public DateTimeOffset At { get; } = at;

    /// <summary>Entries delivered whole.</summary>
    public List<long> Deleted { get; } = [];

    /// <summary>Entries that failed whole; written only while the entry still has its messages (an erasure may have made it a tombstone).</summary>
    public List<OutboxUpdate> Updated { get; } = [];

    /// <summary>Entries that got partly through, replaced by entries of the messages still to go.</summary>
    public List<OutboxSplit> Split { get; } = [];

    public IReadOnlyDictionary<Guid, int> DeliveredPerApplication => _deliveredPerApp;
    public int Delivered => _deliveredPerApp.Values.Sum();
    public bool IsEmpty => Deleted.Count == 0 && Updated.Count == 0 && Split.Count == 0 && _deliveredPerApp.Count == 0;

    public void CountDelivered(Guid applicationId, int count)
    {
        if (count > 0) _deliveredPerApp[applicationId] = _deliveredPerApp.GetValueOrDefault(applicationId) + count;
    }
}

/// <summary>An entry that failed as a whole: waiting again until <paramref name="DueAt"/>, or a dead letter.</summary>
public sealed record OutboxUpdate(long Id, OutboxState State, DateTimeOffset DueAt, int Attempts, int? Status, string Error);

/// <summary>
/// Entry <paramref name="Id"/>, holding <paramref name="Count"/> messages when claimed, gives way to
/// <paramref name="Replacements"/> (their <see cref="OutboxEntry.Id"/> given by the database). Nothing happens when the
/// entry changed meanwhile (an erasure took messages out of it), so erased messages are never put back.
/// </summary>
public sealed record OutboxSplit(long Id, int Count, IReadOnlyList<OutboxEntry> Replacements);
