using System.Text.Json;
using Portal.Core.Metadata;

namespace Portal.Core.Ingestion;

/// <summary>
/// The writer's memory of the catalogue: which fields exist per (app, kind, group type), their types
/// and samples, so a batch neither reads them back nor checks the cap with a query. Each group is loaded
/// through the store on first use; dropped when a transaction fails or someone changes fields outside ingestion.
/// </summary>
internal sealed class FieldCatalogueCache(int maxFieldsPerKind)
{
    private readonly Dictionary<FieldGroupKey, FieldGroup> _groups = [];

    public bool IsLoaded(FieldGroupKey key) => _groups.ContainsKey(key);

    /// <summary>Loads, through <paramref name="load"/>, every group of <paramref name="aggregate"/> not yet in memory.</summary>
    public async ValueTask LoadMissingAsync(BatchAggregate aggregate, Func<FieldGroupKey, ValueTask<IReadOnlyList<StoredField>>> load)
    {
        foreach (var key in aggregate.Fields.Keys)
        {
            var group = new FieldGroupKey(key.App, key.Kind, key.GroupType);
            if (!_groups.ContainsKey(group)) Put(group, await load(group));
        }
    }

    public void Put(FieldGroupKey key, IReadOnlyList<StoredField> fields)
    {
        var group = new FieldGroup(maxFieldsPerKind);
        foreach (var field in fields)
        {
            var state = group.Add(field.EventName, field.Name);
            state.TypesSeen = field.TypesSeen;
            state.Samples = ParseSamples(field.SamplesJson);
        }
        _groups[key] = group;
    }

    public FieldGroup Group(FieldGroupKey key) =>
        _groups.TryGetValue(key, out var group) ? group : throw new InvalidOperationException($"Catalogue group {key} is not loaded.");

    public void Clear() => _groups.Clear();

    public void Clear(Guid app)
    {
        foreach (var key in _groups.Keys.Where(k => k.App == app).ToList()) _groups.Remove(key);
    }

    private static string[] ParseSamples(string json)
    {
        try { return JsonSerializer.Deserialize<string[]>(json) ?? []; }
        catch (JsonException) { return []; }
    }
}

internal readonly record struct FieldGroupKey(Guid App, FieldKind Kind, string GroupType);

/// <summary>A catalogued field as the store reads it back.</summary>
internal sealed record StoredField(string EventName, string Name, int TypesSeen, string SamplesJson);

internal sealed class FieldGroup(int capacity)
{
    private readonly Dictionary<(string EventName, string Name), FieldState> _fields = [];

    public bool IsFull => _fields.Count >= capacity;

    public bool TryGet(string eventName, string name, out FieldState state) => _fields.TryGetValue((eventName, name), out state!);

    public FieldState Add(string eventName, string name)
    {
        var state = new FieldState();
        _fields[(eventName, name)] = state;
        return state;
    }
}

internal sealed class FieldState
{
    public int TypesSeen { get; set; }
    public string[] Samples { get; set; } = [];
}
