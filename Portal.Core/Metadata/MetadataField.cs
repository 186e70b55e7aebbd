namespace Portal.Core.Metadata;

/// <summary>One catalogued metadata field, as Data Mappings lists it.</summary>
public sealed class MetadataField
{
    public long Id { get; set; }
    public Guid ApplicationId { get; set; }
    public FieldKind Kind { get; set; }
    public required string GroupType { get; set; }

    /// <summary>For track properties, the event that carries it; empty for visitor and account fields.</summary>
    public string EventName { get; set; } = "";

    /// <summary>Flattened with dots for nested objects (<c>address.city</c>).</summary>
    public required string Name { get; set; }

    public FieldType InferredType { get; set; }
    public FieldType? TypeOverride { get; set; }
    public string? DisplayName { get; set; }
    public bool Hidden { get; set; }

    /// <summary>Every type seen so far, as a bit set of <see cref="FieldType"/>; more than one bit is a conflict.</summary>
    public int TypesSeen { get; set; }

    public bool ValuesTruncated { get; set; }
    public long Count { get; set; }
    public DateTimeOffset FirstSeen { get; set; }
    public DateTimeOffset LastSeen { get; set; }

    /// <summary>Up to a few recent distinct values, as a JSON array of strings.</summary>
    public string SamplesJson { get; set; } = "[]";

    public FieldType EffectiveType => TypeOverride ?? InferredType;
    public bool HasTypeConflict => (TypesSeen & (TypesSeen - 1)) != 0;
}

/// <summary>Fields dropped because the per-(app, kind, group type) cap was reached.</summary>
public sealed class MetadataFieldOverflow
{
    public Guid ApplicationId { get; set; }
    public FieldKind Kind { get; set; }
    public required string GroupType { get; set; }
    public long DroppedCount { get; set; }
    public DateTimeOffset LastDroppedAt { get; set; }
}

public enum FieldKind
{
    Visitor = 0,
    Account = 1,
    TrackProperty = 2,
}

/// <summary>Pendo's six metadata types.</summary>
public enum FieldType
{
    Text = 0,
    Boolean = 1,
    Integer = 2,
    Float = 3,
    Date = 4,
    List = 5,
}
