using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Portal.Core.Metadata;

namespace Portal.Core.Ingestion;

/// <summary>
/// Merges field updates into a visitor's or account's MetadataJson:
/// <c>{"segmentio": {"field": {"v": value, "t": "ISO-8601 event time"}}, "agent": {...}}</c>.
/// Per field the value with the later event timestamp wins; on a tie the later arrival wins. A null
/// value clears the field: stored as <c>{"v": null, "t": ...}</c> so the clearing keeps its place in
/// time, and shown nowhere (as the catalogue does not count nulls as values).
/// </summary>
internal static class MetadataMerge
{
    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Apply(string? existingJson, IEnumerable<KeyValuePair<(string GroupType, string Name), (FlatField Field, DateTimeOffset At)>> updates)
    {
        JsonObject root;
        try { root = (existingJson is null ? null : JsonNode.Parse(existingJson) as JsonObject) ?? []; }
        catch (JsonException) { root = []; }

        foreach (var ((groupType, name), (field, at)) in updates)
        {
            if (root[groupType] is not JsonObject group)
            {
                group = [];
                root[groupType] = group;
            }
            if (group[name] is JsonObject current && current["t"] is JsonValue t && t.TryGetValue<string>(out var stored)
                && DateTimeOffset.TryParse(stored, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var storedAt) && storedAt > at)
                continue;
            group[name] = new JsonObject { ["v"] = ValueNode(field), ["t"] = Iso(at) };
        }
        return root.ToJsonString(Compact);
    }

    public static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static JsonNode? ValueNode(FlatField field) => field.Value is null ? null : field.Type switch
    {
        FieldType.Boolean => JsonValue.Create(field.Value == "true"),
        FieldType.Integer or FieldType.Float or FieldType.List => JsonNode.Parse(field.Value),
        _ => JsonValue.Create(field.Value),
    };
}
