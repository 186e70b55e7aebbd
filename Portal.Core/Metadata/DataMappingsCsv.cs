using System.Globalization;
using CsvHelper;

namespace Portal.Core.Metadata;

/// <summary>Data Mappings rows as CSV, one line per field, in the order of the view.</summary>
public static class DataMappingsCsv
{
    // Field names and samples come from whoever holds an API key: a value like =HYPERLINK(..) must stay text in a spreadsheet.
    private static readonly CsvWriterOptions Options = CsvWriterOptions.Default with { Injection = CsvInjection.Escape };

    public static string Write(IEnumerable<DataMappingRow> rows, FieldKind kind)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using var csv = CsvWriter.Create(text, Options, leaveOpen: true);
        var track = kind == FieldKind.TrackProperty;
        if (track) csv.WriteField("Event");
        foreach (var header in new[] { "Field", "Display name", "Type", "Inferred type", "Type overridden", "Group types", "Samples", "Count", "First seen", "Last seen", "Flags" })
        {
            csv.WriteField(header);
        }
        csv.EndRecord();

        foreach (var row in rows)
        {
            if (track) csv.WriteField(row.EventName);
            csv.WriteField(row.Name);
            csv.WriteField(row.DisplayName);
            csv.WriteField(FieldTypeNames.Display(row.EffectiveType));
            csv.WriteField(FieldTypeNames.Display(row.InferredType));
            csv.WriteField(row.TypeOverride is null ? "no" : "yes");
            csv.WriteField(string.Join(" ", row.GroupTypes.Select(Common.GroupTypes.DisplayName)));
            csv.WriteField(string.Join(" | ", row.Samples));
            csv.WriteField(row.Count.ToString(CultureInfo.InvariantCulture));
            csv.WriteField(row.FirstSeen.UtcDateTime.ToString("u", CultureInfo.InvariantCulture));
            csv.WriteField(row.LastSeen.UtcDateTime.ToString("u", CultureInfo.InvariantCulture));
            csv.WriteField(FlagText(row.Flags));
            csv.EndRecord();
        }
        csv.Flush();
        return text.ToString();
    }

    public static string FlagText(FieldFlags flags)
    {
        var names = new List<string>();
        if (flags.HasFlag(FieldFlags.TypeConflict)) names.Add("type conflict");
        if (flags.HasFlag(FieldFlags.Hidden)) names.Add("hidden");
        if (flags.HasFlag(FieldFlags.BreaksNamingRules)) names.Add("breaks naming rules");
        if (flags.HasFlag(FieldFlags.ValuesTruncated)) names.Add("values truncated");
        return string.Join(", ", names);
    }
}
