using System.Text.Json.Serialization;

namespace Portal.Core.Metadata;

/// <summary>
/// One field as Data Mappings lists it. A field fed by both group types is one row with both group
/// types, as Pendo shows it; its per-group-type catalogue rows are merged here.
/// </summary>
/// <remarks>
/// The properties computed from others are left out of JSON: a prerendered page hands its rows to the circuit as JSON,
/// and they would only repeat what the stored properties give back.
/// </remarks>
public sealed record DataMappingRow
{
    public required FieldKey Key { get; init; }
    [JsonIgnore] public string Name => Key.Name;
    [JsonIgnore] public string EventName => Key.EventName;
    public required string DisplayName { get; init; }

    /// <summary>The Admin's display name, or null while the humanized default applies.</summary>
    public string? CustomDisplayName { get; init; }

    public required FieldType InferredType { get; init; }
    public FieldType? TypeOverride { get; init; }
    [JsonIgnore] public FieldType EffectiveType => TypeOverride ?? InferredType;
    public required int TypesSeen { get; init; }
    public required IReadOnlyList<string> GroupTypes { get; init; }
    public required IReadOnlyList<string> Samples { get; init; }
    public required long Count { get; init; }
    public required DateTimeOffset FirstSeen { get; init; }
    public required DateTimeOffset LastSeen { get; init; }
    public required FieldFlags Flags { get; init; }

    [JsonIgnore] public bool HasTypeConflict => Flags.HasFlag(FieldFlags.TypeConflict);
    [JsonIgnore] public bool Hidden => Flags.HasFlag(FieldFlags.Hidden);
    [JsonIgnore] public bool BreaksNamingRules => Flags.HasFlag(FieldFlags.BreaksNamingRules);
    [JsonIgnore] public bool ValuesTruncated => Flags.HasFlag(FieldFlags.ValuesTruncated);

    /// <summary>
    /// Pendo itself takes <c>list</c> metadata from its agent only and stores webhook arrays as text. Portal types an array
    /// as a list on every path (one field, one type), so this is a hint for a list fed by the webhook, not a conflict.
    /// </summary>
    [JsonIgnore] public bool ListIsAgentOnlyAtPendo => EffectiveType == FieldType.List && GroupTypes.Any(g => g != Common.GroupTypes.Agent);
}

/// <summary>A field across group types: (application, kind, event name, name).</summary>
public sealed record FieldKey(Guid ApplicationId, FieldKind Kind, string EventName, string Name);

/// <summary>An Admin's edit of a field: applies to every group type that feeds it.</summary>
public sealed record FieldEdit(string? DisplayName, FieldType? TypeOverride, bool Hidden);

/// <summary>Everything the details drawer shows about one field.</summary>
public sealed record DataMappingDetails(DataMappingRow Row, IReadOnlyList<FieldGroupTypeDetails> PerGroupType, IReadOnlyList<EventCarryingField> Events);

/// <summary>The catalogue row of one group type feeding the field.</summary>
public sealed record FieldGroupTypeDetails(string GroupType, FieldType InferredType, IReadOnlyList<FieldType> TypesSeen,
    IReadOnlyList<string> Samples, long Count, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, bool ValuesTruncated);

/// <summary>A track event whose properties include the field's name.</summary>
public sealed record EventCarryingField(string EventName, long Count, DateTimeOffset LastSeen);

/// <summary>Fields dropped because a group type reached the per-kind field cap.</summary>
public sealed record FieldOverflow(string GroupType, long DroppedCount, DateTimeOffset LastDroppedAt);
