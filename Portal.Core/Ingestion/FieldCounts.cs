using Portal.Core.Metadata;

namespace Portal.Core.Ingestion;

/// <summary>
/// Catalogue rows whose counts (seen, first and last seen, truncated) and samples wait in the writer for a flush, the way
/// <see cref="EntityRows"/> keeps visitors' counts. Every batch of a busy event carries the same fields, and writing their rows
/// in each commit costs every commit the same upserts. A field that is new, or that shows a type it had not, is written in
/// its batch's commit, with whatever waited for it.
/// </summary>
/// <remarks>
/// Like entity counts: what waits here is lost if the process dies before the flush (at most
/// <see cref="IngestionOptions.EntityCountsFlushMilliseconds"/>; the events are committed); a failed transaction leaves it
/// untouched. When fields change outside ingestion (a field deleted), what waits for that application is dropped, or the
/// flush would write a deleted field back.
/// </remarks>
internal sealed class FieldCounts
{
    private readonly Dictionary<FieldKey, FieldUpsert> _waiting = [];

    /// <summary>Catalogue rows with counts waiting for a flush.</summary>
    public int Waiting => _waiting.Count;

    /// <summary>
    /// Splits a batch's upserts into this commit's writes and those that can wait (CanWait: the field existed and its types
    /// did not change); with <paramref name="flush"/> everything waiting is written too.
    /// </summary>
    public FieldWrites Plan(IEnumerable<(FieldUpsert Upsert, bool CanWait)> upserts, bool flush)
    {
        var writes = new List<FieldUpsert>();
        var deferred = new List<FieldUpsert>();
        // Only a flush needs to know which waiting rows this batch already writes: no set for every commit.
        var inBatch = flush ? new HashSet<FieldKey>() : null;
        foreach (var (upsert, canWait) in upserts)
        {
            inBatch?.Add(upsert.Key);
            if (!flush && canWait) deferred.Add(upsert);
            else writes.Add(_waiting.TryGetValue(upsert.Key, out var waiting) ? Combine(waiting, upsert) : upsert);
        }
        if (inBatch is not null)
        {
            foreach (var (key, waiting) in _waiting)
                if (!inBatch.Contains(key)) writes.Add(waiting);
        }
        return new FieldWrites(writes, deferred, flush);
    }

    /// <summary>After the commit that carried <paramref name="planned"/>: what it wrote no longer waits; what it deferred does.</summary>
    public void Committed(FieldWrites planned)
    {
        if (planned.Flushed) _waiting.Clear();
        foreach (var write in planned.Writes) _waiting.Remove(write.Key);
        foreach (var upsert in planned.Deferred)
            _waiting[upsert.Key] = _waiting.TryGetValue(upsert.Key, out var waiting) ? Combine(waiting, upsert) : upsert;
    }

    /// <summary>Fields changed outside ingestion: one application's waiting rows (every application's when null) are dropped.</summary>
    public void Forget(Guid? app)
    {
        if (app is null) _waiting.Clear();
        else foreach (var key in _waiting.Keys.Where(k => k.App == app).ToList()) _waiting.Remove(key);
    }

    /// <summary>An older upsert folded into a newer one: counts add up, the newer one's samples and type stand.</summary>
    private static FieldUpsert Combine(FieldUpsert older, FieldUpsert newer) => newer with
    {
        TypesSeen = older.TypesSeen | newer.TypesSeen,
        InferredType = FieldTypeInference.Infer(older.TypesSeen | newer.TypesSeen),
        Truncated = older.Truncated || newer.Truncated,
        Count = older.Count + newer.Count,
        First = older.First < newer.First ? older.First : newer.First,
        Last = older.Last > newer.Last ? older.Last : newer.Last,
    };
}

/// <summary>One commit's catalogue row writes, and the upserts left to wait for a later flush.</summary>
internal sealed record FieldWrites(List<FieldUpsert> Writes, List<FieldUpsert> Deferred, bool Flushed);
