namespace Portal.Core.Events;

/// <summary>How far a deferred index over the Events table has caught up: every event with an id up to <see cref="EventId"/> is in it.</summary>
public sealed class IndexWatermark
{
    public required string Name { get; set; }
    public long EventId { get; set; }
}
