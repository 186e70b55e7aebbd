namespace Portal.Core.Ingestion;

/// <summary>
/// What the writer last stored as a visitor's or account's first/last seen. A track event for a known
/// entity that moves neither by more than <see cref="Resolution"/> needs no row write at all, which
/// keeps the hot path at about one row per message. Bounded: cleared when it grows past its size.
/// </summary>
internal sealed class EntitySeenCache(int capacity = 200_000)
{
    public static readonly TimeSpan Resolution = TimeSpan.FromMinutes(1);

    private readonly Dictionary<(Guid App, string Id), (long First, long Last, bool HasMetadata)> _seen = [];

    // Every batch that names an entity now adds to its event count (default metadata), so a change with events is never
    // current: the cache only saves writes for changes that count nothing.
    public bool IsCurrent(Guid app, string id, EntityChange change) =>
        change.Fields is null
        && change.Events == 0
        && _seen.TryGetValue((app, id), out var stored)
        && stored.First <= change.First.UtcTicks
        && change.Last.UtcTicks - stored.Last < Resolution.Ticks
        && (stored.HasMetadata || !change.HasMetadata);

    public void Stored(Guid app, string id, EntityChange change)
    {
        if (_seen.Count >= capacity) _seen.Clear();
        var first = change.First.UtcTicks;
        var last = change.Last.UtcTicks;
        var hasMetadata = change.HasMetadata;
        if (_seen.TryGetValue((app, id), out var stored))
        {
            first = Math.Min(first, stored.First);
            last = Math.Max(last, stored.Last);
            hasMetadata |= stored.HasMetadata;
        }
        _seen[(app, id)] = (first, last, hasMetadata);
    }

    public void Clear() => _seen.Clear();

    /// <summary>After an erasure: the next message for this id must write (and so recreate) the row.</summary>
    public void Forget(Guid app, string id) => _seen.Remove((app, id));
}

internal static class EntitySeenCacheExtensions
{
    /// <summary>The changes that need a row write, in key order (so concurrent writers lock rows in one order); remembered as stored.</summary>
    public static List<(Guid App, string Id, EntityChange Change)> ToWrite(this EntitySeenCache seen, Dictionary<(Guid App, string Id), EntityChange> changes)
    {
        var writes = new List<(Guid, string, EntityChange)>();
        foreach (var ((app, id), change) in changes)
        {
            if (seen.IsCurrent(app, id, change)) continue;
            writes.Add((app, id, change));
            seen.Stored(app, id, change);
        }
        writes.Sort((a, b) => a.Item1 != b.Item1 ? a.Item1.CompareTo(b.Item1) : string.CompareOrdinal(a.Item2, b.Item2));
        return writes;
    }
}
