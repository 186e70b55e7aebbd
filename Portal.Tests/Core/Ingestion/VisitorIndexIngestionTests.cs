using Microsoft.EntityFrameworkCore;
using Portal.Core.Common;
using Portal.Core.Events;
using Portal.Core.Ingestion;
using Portal.Core.Visitors;

namespace Portal.Tests.Core.Ingestion;

public sealed class VisitorIndexIngestionTests : IngestionTestBase
{
    [Fact]
    public async Task IngestedTrackEventsShowOnTheVisitorAndReachTheIndex()
    {
        await SendAsync("""[{"type":"identify","userId":"u1","traits":{"a":1}},{"type":"track","userId":"u1","event":"A"},{"type":"track","userId":"u1","event":"B"}]""");
        await SendAsync("""{"type":"track","userId":"u2","event":"C"}""");

        var visitor = (await Get<VisitorQueries>().GetAsync(AppId, "u1"))!;
        Assert.Equal(["B", "A"], visitor.RecentEvents.Select(e => e.Name));

        // Housekeeping finishes the index when traffic stops.
        await Get<IngestionWriter>().PruneNowAsync();
        await using var db = await DbAsync();
        Assert.Equal(3, await db.VisitorTrackEvents.CountAsync());
        Assert.Equal(await db.Events.MaxAsync(e => e.Id), (await db.IndexWatermarks.SingleAsync()).EventId);
        Assert.Equal(["B", "A"], (await Get<VisitorQueries>().GetAsync(AppId, "u1"))!.RecentEvents.Select(e => e.Name));
    }

    [Fact]
    public async Task EventsAnEarlierRunLeftPastTheWatermarkGetIndexedOnceTheWriterRuns()
    {
        // Events committed by a run that stopped before its catch-up: stored, but past the watermark.
        await using (var db = await DbAsync())
        {
            db.Events.Add(new SegmentEvent { ApplicationId = AppId, MessageId = "left", Type = "track", Name = "A", VisitorId = "u9", GroupType = GroupTypes.Segment,
                Timestamp = Time.GetUtcNow(), ReceivedAt = Time.GetUtcNow() });
            await db.SaveChangesAsync();
        }

        await SendAsync("""{"type":"track","userId":"u1","event":"B"}""");
        // The catch-up runs after the batch's requests are answered: a housekeeping item queued behind it waits for it.
        await Get<IngestionWriter>().PruneNowAsync();

        await using var check = await DbAsync();
        Assert.True(await check.VisitorTrackEvents.AnyAsync(v => v.VisitorId == "u9"));
    }
}
