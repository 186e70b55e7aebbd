namespace Portal.Core.Visitors;

/// <summary>
/// One entry of the visitor → track events index. It lives outside the Events table because an index
/// on (application, visitor) there costs a random B-tree page per visitor in every commit, which held
/// batched ingestion to a third of the speed it has without it. The writer adds these in sorted bulk instead
/// (see <see cref="VisitorTrackIndex"/>); events past the watermark are read from the Events tail.
/// </summary>
public sealed class VisitorTrackEvent
{
    public Guid ApplicationId { get; set; }
    public required string VisitorId { get; set; }
    public long EventId { get; set; }
}
