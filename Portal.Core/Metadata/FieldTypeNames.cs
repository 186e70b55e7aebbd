namespace Portal.Core.Metadata;

/// <summary>Pendo's words for its six metadata types, as Data Mappings shows them.</summary>
public static class FieldTypeNames
{
    public static string Display(FieldType type) => type switch
    {
        FieldType.Text => "text",
        FieldType.Boolean => "boolean",
        FieldType.Integer => "number (integer)",
        FieldType.Float => "number (float)",
        FieldType.Date => "date",
        FieldType.List => "list",
        _ => type.ToString(),
    };

    /// <summary>The types a <see cref="MetadataField.TypesSeen"/> bit set holds, in enum order.</summary>
    public static IReadOnlyList<FieldType> FromBits(int typesSeen) =>
        Enum.GetValues<FieldType>().Where(t => (typesSeen & (1 << (int)t)) != 0).ToList();

    public static string Display(FieldKind kind) => kind switch
    {
        FieldKind.Visitor => "Visitor",
        FieldKind.Account => "Account",
        FieldKind.TrackProperty => "Track event property",
        _ => kind.ToString(),
    };
}
