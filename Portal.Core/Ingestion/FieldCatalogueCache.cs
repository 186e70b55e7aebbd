using System.Text.Json;
using Microsoft.Data.Sqlite;
using Portal.Core.Metadata;

namespace Portal.Core.Ingestion;

/// <summary>
/// The writer's memory of the catalogue: which fields exist per (app, kind, group type), their types
/// and samples, so a batch neither reads them back nor checks the cap with a query. Loaded per group on
/// first use; dropped when a transaction fails or someone changes fields outside ingestion.
/// </summary>
internal sealed class FieldCatalogueCache(SqliteConnection connection, int maxFieldsPerKind)
{
    private readonly Dictionary<(Guid App, FieldKind Kind, string GroupType), FieldGroup> _groups = [];

    public SqliteTransaction? Transaction { get; set; }

    public FieldGroup Group(Guid app, FieldKind kind, string groupType)
    {
        if (_groups.TryGetValue((app, kind, groupType), out var group)) return group;
        group = new FieldGroup(maxFieldsPerKind);
        using var command = connection.CreateCommand();
        command.Transaction = Transaction;
        command.CommandText = "SELECT EventName, Name, TypesSeen, SamplesJson FROM MetadataFields WHERE ApplicationId = $app AND Kind = $kind AND GroupType = $groupType";
        command.Parameters.AddWithValue("$app", SqliteIngestionStore.Text(app));
        command.Parameters.AddWithValue("$kind", (int)kind);
        command.Parameters.AddWithValue("$groupType", groupType);
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var state = group.Add(reader.GetString(0), reader.GetString(1));
                state.TypesSeen = reader.GetInt32(2);
                state.Samples = ParseSamples(reader.GetString(3));
            }
        }
        _groups[(app, kind, groupType)] = group;
        return group;
    }

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
