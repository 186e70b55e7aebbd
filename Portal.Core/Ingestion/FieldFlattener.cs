using System.Globalization;
using System.Text.Json;
using Humanizer;
using Portal.Core.Metadata;

namespace Portal.Core.Ingestion;

/// <summary>
/// Turns traits/properties into dotted leaf fields with one of Pendo's six types. An array is a
/// <c>list</c> whichever path it came by, so one field sent by both is one type (Data Mappings says
/// where Pendo itself takes lists from the agent only). A property with an empty name cannot be
/// addressed or mapped: it is dropped and counted, and the message is still stored.
/// </summary>
internal sealed class FieldFlattener(IngestionOptions options)
{
    /// <summary>What a message's outcome says about the properties <c>Flatten</c> dropped; null when none were.</summary>
    public static string? EmptyNamesNote(int emptyNames) =>
        emptyNames == 0 ? null : $"{"field".ToQuantity(emptyNames)} with an empty name dropped (a field needs a name)";

    /// <summary>
    /// Flattens <paramref name="obj"/> into <paramref name="into"/>, counting in <paramref name="emptyNames"/> the properties
    /// dropped for an empty or blank name; returns an error when a field name is too long.
    /// </summary>
    public string? Flatten(JsonElement obj, string groupType, List<FlatField> into, ref int emptyNames, string? skipTopLevel = null)
    {
        // Sized once for the top-level fields: growing 4, 8, 16 for every message showed up in ingestion's CPU profile.
        into.EnsureCapacity(into.Count + obj.GetPropertyCount());
        return Flatten(obj, groupType, into, prefix: null, skipTopLevel, ref emptyNames);
    }

    private string? Flatten(JsonElement obj, string groupType, List<FlatField> into, string? prefix, string? skipTopLevel, ref int emptyNames)
    {
        foreach (var property in obj.EnumerateObject())
        {
            if (prefix is null && skipTopLevel is not null && property.NameEquals(skipTopLevel)) continue;
            if (string.IsNullOrWhiteSpace(property.Name))
            {
                emptyNames++;
                continue;
            }
            var name = prefix is null ? property.Name : string.Concat(prefix, ".", property.Name);
            if (name.Length > options.MaxFieldNameLength)
                return $"field name longer than {options.MaxFieldNameLength} characters: '{name[..32]}…'";

            var value = property.Value;
            if (value.ValueKind == JsonValueKind.Object)
            {
                var error = Flatten(value, groupType, into, name, null, ref emptyNames);
                if (error is not null) return error;
                continue;
            }
            into.Add(Leaf(name, value));
        }
        return null;
    }

    private FlatField Leaf(string name, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                var text = value.GetString()!;
                var type = LooksLikeIsoDate(text) ? FieldType.Date : FieldType.Text;
                return Truncate(name, type, text);
            case JsonValueKind.True:
                return new FlatField(name, FieldType.Boolean, "true", false);
            case JsonValueKind.False:
                return new FlatField(name, FieldType.Boolean, "false", false);
            case JsonValueKind.Number:
                var raw = value.GetRawText();
                var isFloat = raw.AsSpan().IndexOfAny('.', 'e', 'E') >= 0;
                return new FlatField(name, isFloat ? FieldType.Float : FieldType.Integer, raw, false);
            case JsonValueKind.Array:
                return ListLeaf(name, value);
            default:
                return new FlatField(name, FieldType.Text, null, false);
        }
    }

    private FlatField Truncate(string name, FieldType type, string text) =>
        text.Length > options.MaxStringValueLength
            ? new FlatField(name, type, text[..options.MaxStringValueLength], true)
            : new FlatField(name, type, text, false);

    /// <summary>A list must stay valid JSON, so an overlong one keeps its leading elements instead of being cut mid-way.</summary>
    private FlatField ListLeaf(string name, JsonElement array)
    {
        var raw = array.GetRawText();
        if (raw.Length <= options.MaxStringValueLength) return new FlatField(name, FieldType.List, raw, false);

        var kept = new List<string>();
        var length = 2;
        foreach (var item in array.EnumerateArray())
        {
            var itemText = item.ValueKind == JsonValueKind.String && item.GetString()!.Length > options.MaxStringValueLength
                ? JsonSerializer.Serialize(item.GetString()![..options.MaxStringValueLength])
                : item.GetRawText();
            if (length + itemText.Length + 1 > options.MaxStringValueLength) break;
            kept.Add(itemText);
            length += itemText.Length + 1;
        }
        return new FlatField(name, FieldType.List, "[" + string.Join(",", kept) + "]", true);
    }

    /// <summary>ISO-8601 dates and date-times (<c>2024-05-01</c>, <c>2024-05-01T10:00:00Z</c>); a cheap shape check first.</summary>
    public static bool LooksLikeIsoDate(string s)
    {
        if (s.Length < 10 || s.Length > 40) return false;
        if (!(char.IsAsciiDigit(s[0]) && char.IsAsciiDigit(s[1]) && char.IsAsciiDigit(s[2]) && char.IsAsciiDigit(s[3])
              && s[4] == '-' && char.IsAsciiDigit(s[5]) && char.IsAsciiDigit(s[6]) && s[7] == '-'
              && char.IsAsciiDigit(s[8]) && char.IsAsciiDigit(s[9]))) return false;
        if (s.Length > 10 && s[10] != 'T' && s[10] != 't' && s[10] != ' ') return false;
        return DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _);
    }
}
