namespace Portal.Core.Metadata.Custom;

/// <summary>A field an Admin defined for an application's visitors or accounts; its values are set in Portal, never by ingestion.</summary>
public sealed class CustomField
{
    public long Id { get; set; }
    public Guid ApplicationId { get; set; }
    public FieldKind Kind { get; set; }
    public required string Name { get; set; }
    public FieldType Type { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>One custom field's value on one visitor or account, as JSON of the field's type.</summary>
public sealed class CustomValue
{
    public Guid ApplicationId { get; set; }
    public FieldKind Kind { get; set; }
    public required string EntityId { get; set; }
    public required string FieldName { get; set; }
    public required string ValueJson { get; set; }
    public DateTimeOffset SetAt { get; set; }
}
