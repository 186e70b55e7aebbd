using System.Text.Json;
using Portal.Core.Metadata;

namespace Portal.Core.Ingestion;

/// <summary>
/// The catalogue rows of one batch, decided against the writer's <see cref="FieldCatalogueCache"/>: an upsert
/// per changed field (with its inferred type and merged samples), a drop count per group past the field cap. A known
/// field's counts may wait for a flush instead (<see cref="FieldCounts"/>).
/// </summary>
internal sealed class CataloguePlan
{
    private CataloguePlan(FieldWrites writes) => Writes = writes;

    /// <summary>The catalogue rows this commit writes: new fields, changed types, and on a flush everything waiting.</summary>
    public List<FieldUpsert> Fields => Writes.Writes;

    /// <summary>Hand to <see cref="FieldCounts.Committed"/> once the commit succeeds.</summary>
    public FieldWrites Writes { get; }

    public List<FieldOverflow> Overflows { get; } = [];

    /// <summary>A field was catalogued for the first time (Data Mappings refreshes).</summary>
    public bool NewFields { get; private set; }

    /// <summary>Every group the aggregate touches must be loaded (<see cref="FieldCatalogueCache.LoadMissingAsync"/>).</summary>
    public static CataloguePlan Build(BatchAggregate aggregate, FieldCatalogueCache cache, FieldCounts waiting, bool flush, DateTimeOffset now)
    {
        var upserts = new List<(FieldUpsert, bool CanWait)>(aggregate.Fields.Count);
        var newFields = false;
        Dictionary<FieldGroupKey, long>? dropped = null;
        foreach (var (key, change) in aggregate.Fields)
        {
            var groupKey = new FieldGroupKey(key.App, key.Kind, key.GroupType);
            var group = cache.Group(groupKey);
            var known = group.TryGet(key.EventName, key.Name, out var state);
            if (!known)
            {
                if (group.IsFull)
                {
                    dropped ??= [];
                    dropped[groupKey] = dropped.GetValueOrDefault(groupKey) + change.Count;
                    continue;
                }
                state = group.Add(key.EventName, key.Name);
                newFields = true;
            }

            var typesBefore = state.TypesSeen;
            state.TypesSeen |= change.Types;
            state.Samples = MergeSamples(change.Samples, state.Samples);
            upserts.Add((new FieldUpsert(key, FieldTypeInference.Infer(state.TypesSeen), state.TypesSeen, change.Truncated, change.Count,
                change.First, change.Last, JsonSerializer.Serialize(state.Samples)), known && state.TypesSeen == typesBefore));
        }
        var plan = new CataloguePlan(waiting.Plan(upserts, flush)) { NewFields = newFields };
        if (dropped is not null)
            foreach (var (group, count) in dropped) plan.Overflows.Add(new FieldOverflow(group, count, now));
        return plan;
    }

    private static string[] MergeSamples(List<(string Value, DateTimeOffset At)> fresh, string[] known)
    {
        if (fresh.Count == known.Length && fresh.Select(f => f.Value).SequenceEqual(known)) return known;
        var merged = new List<string>(FieldChange.MaxSamples);
        foreach (var (value, _) in fresh)
            if (merged.Count < FieldChange.MaxSamples && !merged.Contains(value)) merged.Add(value);
        foreach (var value in known)
            if (merged.Count < FieldChange.MaxSamples && !merged.Contains(value)) merged.Add(value);
        return [.. merged];
    }
}

internal sealed record FieldUpsert(FieldKey Key, FieldType InferredType, int TypesSeen, bool Truncated, long Count,
    DateTimeOffset First, DateTimeOffset Last, string SamplesJson);

internal sealed record FieldOverflow(FieldGroupKey Group, long Count, DateTimeOffset At);
