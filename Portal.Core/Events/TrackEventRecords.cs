namespace Portal.Core.Events;

/// <summary>A track event name with how often it arrived and when it last did.</summary>
public sealed record TrackEventNameRow(string Name, long Count, DateTimeOffset? LastSeen);

/// <summary>One stored event, as lists of recent occurrences show it.</summary>
public sealed record EventRow(long Id, string Type, string? Name, string? VisitorId, string? AccountId, string GroupType,
    DateTimeOffset Timestamp, DateTimeOffset ReceivedAt, string? PayloadPreview);

/// <summary>An event name's page: totals, its property catalogue and recent occurrences.</summary>
public sealed record TrackEventDetails(string Name, long Count, DateTimeOffset? FirstSeen, DateTimeOffset? LastSeen,
    IReadOnlyList<Metadata.DataMappingRow> Properties, IReadOnlyList<EventRow> Recent);
