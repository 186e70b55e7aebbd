namespace Portal.Core.Ingestion;

/// <summary>
/// The writer's view of one kind of entity row, visitors or accounts: which rows it knows exist, and the default-metadata
/// counts (events, days active, first and last seen) still to be written for them. A message about a known visitor changes
/// only those, so under load they are folded here and written once per flush: a visitor with fifty events in a second costs
/// one row write, not fifty. A new row, or one whose metadata changes, is written in its message's own commit, together with
/// whatever was waiting for it.
/// </summary>
/// <remarks>
/// What waits here is lost if the process dies before the flush (at most <see cref="IngestionOptions.EntityCountsFlushMilliseconds"/>
/// of counts; the events themselves are committed). A failed transaction leaves it untouched: it only changes after a commit.
/// </remarks>
internal sealed class EntityRows(int capacity = 200_000)
{
    // The value: whether the row is known to have metadata (accounts named by a group call).
    private readonly Dictionary<(Guid App, string Id), bool> _known = [];
    private readonly Dictionary<(Guid App, string Id), EntityChange> _waiting = [];

    /// <summary>Rows with counts waiting for a flush.</summary>
    public int Waiting => _waiting.Count;

    /// <summary>
    /// Splits a batch's changes into the row writes of this commit (in key order, so concurrent writers lock rows in one
    /// order) and the changes that can wait; with <paramref name="flush"/> everything waiting is written too.
    /// </summary>
    public EntityWrites Plan(Dictionary<(Guid App, string Id), EntityChange> changes, bool flush)
    {
        var writes = new List<(Guid App, string Id, EntityChange Change)>();
        var deferred = new List<((Guid App, string Id) Key, EntityChange Change)>();
        foreach (var (key, change) in changes)
        {
            if (!flush && CanWait(key, change)) deferred.Add((key, change));
            else writes.Add((key.App, key.Id, _waiting.TryGetValue(key, out var waiting) ? Combine(waiting, change) : change));
        }
        if (flush)
        {
            foreach (var (key, waiting) in _waiting)
                if (!changes.ContainsKey(key)) writes.Add((key.App, key.Id, waiting));
        }
        writes.Sort((a, b) => a.App != b.App ? a.App.CompareTo(b.App) : string.CompareOrdinal(a.Id, b.Id));
        return new EntityWrites(writes, deferred, flush);
    }

    private bool CanWait((Guid, string) key, EntityChange change) =>
        change.Fields is null && _known.TryGetValue(key, out var hasMetadata) && (hasMetadata || !change.HasMetadata);

    /// <summary>After the commit that carried <paramref name="planned"/>: the rows written are known, the deferred changes wait.</summary>
    public void Committed(EntityWrites planned)
    {
        if (planned.Flushed) _waiting.Clear();
        foreach (var (app, id, change) in planned.Writes)
        {
            _waiting.Remove((app, id));
            var hasMetadata = change.HasMetadata;
            if (_known.TryGetValue((app, id), out var known)) hasMetadata |= known;
            else if (_known.Count >= capacity) _known.Clear();
            _known[(app, id)] = hasMetadata;
        }
        foreach (var (key, change) in planned.Deferred)
        {
            if (_waiting.TryGetValue(key, out var waiting)) waiting.Merge(change);
            // A copy: the batch's change objects belong to the batch.
            else _waiting[key] = Combine(null, change);
        }
    }

    /// <summary>After a failed transaction: rows it wrote may not exist. Waiting counts came from earlier commits and stay.</summary>
    public void ForgetRows() => _known.Clear();

    /// <summary>Before an erasure: the row is about to go, with the events whose counts wait here.</summary>
    public void Forget(Guid app, string id)
    {
        _known.Remove((app, id));
        _waiting.Remove((app, id));
    }

    private static EntityChange Combine(EntityChange? first, EntityChange second)
    {
        var combined = new EntityChange(second.First);
        if (first is not null) combined.Merge(first);
        combined.Merge(second);
        return combined;
    }
}

/// <summary>One commit's visitor or account row writes, and the changes left to wait for a later flush.</summary>
internal sealed record EntityWrites(
    List<(Guid App, string Id, EntityChange Change)> Writes,
    List<((Guid App, string Id) Key, EntityChange Change)> Deferred,
    bool Flushed);
