using Microsoft.EntityFrameworkCore;
using Portal.Core.Events;
using Portal.Core.Ingestion;
using Portal.Core.Visitors;

namespace Portal.Tests.Core.Ingestion;

/// <summary>Segment's clock-skew rule, as every page sees it. The fake clock (the receive time) reads 2026-03-01 09:00 UTC.</summary>
public sealed class MessageTimeTests : IngestionTestBase
{
    private static readonly DateTimeOffset Received = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task AClientClockYearsAheadIsCorrectedWithSentAtAndTheReceiveTimeOnEveryPage()
    {
        await SendAsync(new { type = "identify", userId = "u-1", messageId = "m-1", timestamp = "2031-03-01T08:59:00Z", sentAt = "2031-03-01T09:00:00Z",
            traits = new { plan = "pro" } });
        await SendAsync(new { type = "track", userId = "u-1", @event = "Clicked", messageId = "m-2", timestamp = "2031-03-01T08:58:00Z",
            sentAt = "2031-03-01T09:00:00Z" });

        await using var db = await DbAsync();
        var identify = await db.Events.SingleAsync(e => e.MessageId == "m-1");
        Assert.Equal(Received.AddMinutes(-1), identify.Timestamp);
        Assert.Equal(new DateTimeOffset(2031, 3, 1, 8, 59, 0, TimeSpan.Zero), identify.OriginalTimestamp);
        var visitor = (await Get<VisitorQueries>().GetAsync(AppId, "u-1"))!;
        Assert.Equal((Received.AddMinutes(-2), Received.AddMinutes(-1)), (visitor.FirstSeen, visitor.LastSeen));
        var track = (await Get<TrackEventQueries>().GetAsync(AppId, "Clicked"))!;
        Assert.Equal(Received.AddMinutes(-2), track.LastSeen);
        Assert.Equal(Received.AddMinutes(-2), Assert.Single(track.Recent).Timestamp);
        var names = await Get<TrackEventQueries>().ListNamesAsync(AppId, null, TrackEventSort.Name, 0, 10);
        Assert.Equal(Received.AddMinutes(-2), Assert.Single(names.Items).LastSeen);
    }

    [Fact]
    public async Task AFutureTimestampWithoutSentAtNeverReachesLastSeenButIsKeptAsSent()
    {
        await SendAsync(new { type = "identify", userId = "u-1", messageId = "m-1", timestamp = "2031-01-01T00:00:00Z", traits = new { plan = "pro" } });

        await using var db = await DbAsync();
        var visitor = await db.Visitors.SingleAsync();
        Assert.Equal((Received, Received), (visitor.FirstSeen, visitor.LastSeen));
        var stored = await db.Events.SingleAsync();
        Assert.Equal(Received, stored.Timestamp);
        Assert.Equal(new DateTimeOffset(2031, 1, 1, 0, 0, 0, TimeSpan.Zero), stored.OriginalTimestamp);
    }

    [Fact]
    public async Task AMessageRelayedBySegmentIsCorrectedFromItsOriginalTimestampOnceNotTwice()
    {
        // Segment already moved timestamp by the client's skew; originalTimestamp is the client's clock, receivedAt Segment's.
        await SendAsync(new { type = "identify", userId = "u-1", messageId = "m-1", originalTimestamp = "2031-03-01T08:59:00Z",
            sentAt = "2031-03-01T09:00:00Z", receivedAt = "2026-03-01T08:00:00Z", timestamp = "2026-03-01T07:59:00Z", traits = new { plan = "pro" } });

        await using var db = await DbAsync();
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 7, 59, 0, TimeSpan.Zero), (await db.Visitors.SingleAsync()).LastSeen);
    }

    [Fact]
    public async Task ExtremeDatesAreAcceptedAndClampedInsteadOfOverflowing()
    {
        var result = await SendAsync(new { type = "identify", userId = "u-1", timestamp = "9999-12-31T23:59:59Z", sentAt = "0001-01-01T00:00:00Z", traits = new { plan = "pro" } });

        Assert.Equal(IngestionStatus.Ok, result.Status);
        await using var db = await DbAsync();
        Assert.Equal(Received, (await db.Visitors.SingleAsync()).LastSeen);
    }

    [Theory]
    [InlineData("2026-03-01T08:00:00Z", null, "2026-03-01T08:00:00Z")]
    [InlineData("2026-03-01T08:00:00Z", "2026-03-01T08:30:00Z", "2026-03-01T08:30:00Z")]
    [InlineData("1970-01-01T00:00:00Z", "1970-01-01T00:00:10Z", "2026-03-01T08:59:50Z")]
    [InlineData("2031-01-01T00:00:00Z", null, "2026-03-01T09:00:00Z")]
    [InlineData(null, "2031-01-01T00:00:00Z", "2026-03-01T09:00:00Z")]
    public void TheRuleIsTimestampMinusSentAtPlusReceivedNeverLaterThanReceived(string? timestamp, string? sentAt, string expected) =>
        Assert.Equal(DateTimeOffset.Parse(expected), MessageTime.Corrected(
            timestamp is null ? null : DateTimeOffset.Parse(timestamp), sentAt is null ? null : DateTimeOffset.Parse(sentAt), Received));
}
