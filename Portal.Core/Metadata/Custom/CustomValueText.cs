using System.Globalization;
using System.Text.Json;

namespace Portal.Core.Metadata.Custom;

/// <summary>Reads a custom value typed by a person (a form or a CSV cell) as the field's type, or says why it is not one.</summary>
public static class CustomValueText
{
    public const int MaxTextLength = 1024;

    /// <summary>The value as JSON of the field's type; null with a reason fit to show when the text is not of that type.</summary>
    public static (string? Json, string? Error) Parse(string text, FieldType type)
    {
        var value = text.Trim();
        switch (type)
        {
            case FieldType.Text:
                return value.Length > MaxTextLength ? (null, $"is longer than {MaxTextLength} characters") : (JsonSerializer.Serialize(value), null);
            case FieldType.Boolean:
                if (bool.TryParse(value, out var flag)) return (flag ? "true" : "false", null);
                return (null, $"\"{Short(value)}\" is not a boolean (true or false)");
            case FieldType.Integer:
                if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole))
                    return (whole.ToString(CultureInfo.InvariantCulture), null);
                return (null, $"\"{Short(value)}\" is not a whole number");
            case FieldType.Float:
                if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
                    return (number.ToString("R", CultureInfo.InvariantCulture), null);
                return (null, $"\"{Short(value)}\" is not a number");
            case FieldType.Date:
                if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
                    return (JsonSerializer.Serialize(date.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture)), null);
                return (null, $"\"{Short(value)}\" is not a date (use ISO 8601, e.g. 2026-11-29 or 2026-11-29T10:00:00Z)");
            case FieldType.List:
                var items = value.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                if (items.Sum(i => i.Length) > MaxTextLength) return (null, $"is longer than {MaxTextLength} characters");
                return (JsonSerializer.Serialize(items), null);
            default:
                return (null, "has an unknown type");
        }
    }

    /// <summary>The stored JSON as the pages show it: strings without quotes, lists joined with "; ".</summary>
    public static string Display(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.ValueKind switch
            {
                JsonValueKind.String => doc.RootElement.GetString() ?? "",
                JsonValueKind.Array => string.Join("; ", doc.RootElement.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString() : e.GetRawText())),
                _ => doc.RootElement.GetRawText(),
            };
        }
        catch (JsonException)
        {
            return json;
        }
    }

    private static string Short(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
