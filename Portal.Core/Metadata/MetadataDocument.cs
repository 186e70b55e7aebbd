using System.Globalization;
using System.Text.Json;
using Portal.Core.Common;

namespace Portal.Core.Metadata;

/// <summary>A visitor's or account's metadata, grouped by group type, as the details pages show it.</summary>
public sealed record MetadataGroup(string GroupType, IReadOnlyList<MetadataValue> Values);

/// <summary>One field's latest value, its type (the catalogue's, else read from the JSON) and the event time that set it.</summary>
public sealed record MetadataValue(string Name, string Text, FieldType Type, DateTimeOffset? At);

/// <summary>Reads <c>MetadataJson</c> (<c>{"segmentio": {"field": {"v": value, "t": "timestamp"}}}</c>) without trusting its shape.</summary>
public static class MetadataDocument
{
    public static IReadOnlyList<MetadataGroup> Parse(string? metadataJson, Func<string, string, FieldType?>? catalogueType = null)
    {
        if (string.IsNullOrWhiteSpace(metadataJson)) return [];
        try
        {
            using var doc = JsonDocument.Parse(metadataJson);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return [];
            var groups = new List<MetadataGroup>();
            foreach (var group in doc.RootElement.EnumerateObject())
            {
                if (group.Value.ValueKind != JsonValueKind.Object) continue;
                var values = new List<MetadataValue>();
                foreach (var field in group.Value.EnumerateObject())
                {
                    var (value, at) = field.Value.ValueKind == JsonValueKind.Object && field.Value.TryGetProperty("v", out var v)
                        ? (v, ReadTime(field.Value))
                        : (field.Value, null);
                    // A null value clears the field: it is kept with its time (so an older value cannot come back) but is no value to show.
                    if (value.ValueKind == JsonValueKind.Null) continue;
                    values.Add(new MetadataValue(field.Name, Render(value), catalogueType?.Invoke(group.Name, field.Name) ?? TypeOf(value), at));
                }
                groups.Add(new MetadataGroup(group.Name, values.OrderBy(x => x.Name, StringComparer.Ordinal).ToList()));
            }
            return groups.OrderBy(g => g.GroupType == GroupTypes.Segment ? 0 : 1).ThenBy(g => g.GroupType, StringComparer.Ordinal).ToList();
        }
        catch (JsonException)
        {
            return [];
        }
    }

    /// <summary>Every (group type, field name) in the document, for looking up catalogue types in one query.</summary>
    public static IReadOnlyList<string> FieldNames(string? metadataJson) =>
        Parse(metadataJson).SelectMany(g => g.Values.Select(v => v.Name)).Distinct().ToList();

    private static DateTimeOffset? ReadTime(JsonElement field) =>
        field.TryGetProperty("t", out var t) && t.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(t.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at : null;

    private static string Render(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString() ?? "",
        _ => value.GetRawText(),
    };

    private static FieldType TypeOf(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True or JsonValueKind.False => FieldType.Boolean,
        JsonValueKind.Number => value.TryGetInt64(out _) ? FieldType.Integer : FieldType.Float,
        JsonValueKind.Array => FieldType.List,
        _ => FieldType.Text,
    };
}
