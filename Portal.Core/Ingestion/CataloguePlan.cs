using System.Text.Json;
using Portal.Core.Metadata;

namespace Portal.Core.Ingestion;

/// <summary>
/// The catalogue rows of one batch, decided against the writer's <see cref="FieldCatalogueCache"/>: an upsert
/// per changed field (with its inferred type and merged samples), a drop count per group past the field cap.
/// </summary>
internal sealed class CataloguePlan
{
    public List<FieldUpsert> Fields { get; } = [];
    public List<FieldOverflow> Overflows { get; } = [];

    /// <summary>A field was catalogued for the first time (Data Mappings refreshes).</summary>
    public bool NewFields { get; private set; }

    /// <summary>Every group the aggregate touches must be loaded (<see cref="FieldCatalogueCache.LoadMissingAsync"/>).</summary>
    public static CataloguePlan Build(BatchAggregate aggregate, FieldCatalogueCache cache, DateTimeOffset now)
    {
        var plan = new CataloguePlan();
        Dictionary<FieldGroupKey, long>? dropped = null;
        foreach (var (key, change) in aggregate.Fields)
        {
            var groupKey = new FieldGroupKey(key.App, key.Kind, key.GroupType);
            var group = cache.Group(groupKey);
            if (!group.TryGet(key.EventName, key.Name, out var state))
            {
                if (group.IsFull)
                {
                    dropped ??= [];
                    dropped[groupKey] = dropped.GetValueOrDefault(groupKey) + change.Count;
                    continue;
                }
                state = group.Add(key.EventName, key.Name);
                plan.NewFields = true;
            }

            state.TypesSeen |= change.Types;
            state.Samples = MergeSamples(change.Samples, state.Samples);
            plan.Fields.Add(new FieldUpsert(key, FieldTypeInference.Infer(state.TypesSeen), state.TypesSeen, change.Truncated, change.Count,
                change.First, change.Last, JsonSerializer.Serialize(state.Samples)));
        }
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
