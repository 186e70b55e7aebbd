namespace Portal.Core.Ingestion;

/// <summary>
/// When a message happened, by Segment's rule: a client's clock may be off, so its timestamp is moved
/// by the gap between its own <c>sentAt</c> and the time the message was received. The one rule every
/// page's times come from (event times, first/last seen, metadata order).
/// </summary>
public static class MessageTime
{
    /// <summary>
    /// <paramref name="timestamp"/> − <paramref name="sentAt"/> + <paramref name="receivedAt"/> when <paramref name="sentAt"/> is
    /// present, else <paramref name="timestamp"/>, else <paramref name="receivedAt"/>; never later than
    /// <paramref name="receivedAt"/>, since nothing can have happened after it arrived.
    /// </summary>
    public static DateTimeOffset Corrected(DateTimeOffset? timestamp, DateTimeOffset? sentAt, DateTimeOffset receivedAt)
    {
        if (timestamp is not { } ts) return receivedAt;
        if (sentAt is not { } sent) return Min(ts, receivedAt);
        // In ticks, because a hostile sentAt (year 1 or 9999) would overflow DateTimeOffset arithmetic.
        var ticks = (Int128)ts.UtcTicks - sent.UtcTicks + receivedAt.UtcTicks;
        if (ticks >= receivedAt.UtcTicks) return receivedAt;
        return ticks < DateTimeOffset.MinValue.UtcTicks ? DateTimeOffset.MinValue : new DateTimeOffset((long)ticks, TimeSpan.Zero);
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
