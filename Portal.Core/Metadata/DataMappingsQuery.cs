namespace Portal.Core.Metadata;

/// <summary>What the Data Mappings grid asks for: one application's fields of one kind, filtered, sorted and paged.</summary>
public sealed record DataMappingsQuery(Guid ApplicationId, FieldKind Kind)
{
    /// <summary>Case-insensitive part of the field name, display name or (track properties) event name.</summary>
    public string? Search { get; init; }

    /// <summary>Track properties of this event only (exact name); null for every event.</summary>
    public string? EventName { get; init; }

    /// <summary>Only fields fed by this group type (<see cref="Common.GroupTypes"/>); null for all.</summary>
    public string? GroupType { get; init; }

    /// <summary>Only fields with at least one of these flags; <see cref="FieldFlags.None"/> for all.</summary>
    public FieldFlags AnyFlags { get; init; }

    /// <summary>Hidden fields are left out unless this is set (or the Hidden flag is filtered on).</summary>
    public bool ShowHidden { get; init; }

    public DataMappingSort SortBy { get; init; } = DataMappingSort.Name;
    public bool Descending { get; init; }
    public int Page { get; init; }
    public int PageSize { get; init; } = 25;
}

[Flags]
public enum FieldFlags
{
    None = 0,
    TypeConflict = 1,
    Hidden = 2,
    BreaksNamingRules = 4,
    ValuesTruncated = 8,
}

public enum DataMappingSort
{
    Name,
    EventName,
    DisplayName,
    Type,
    Count,
    FirstSeen,
    LastSeen,
}
