namespace Portal.Core.Forwarding;

/// <summary>
/// How many of an application's messages one forwarder pass delivered, and when: the Forwarding tab's "delivered in the
/// last minute / hour". Delivered messages leave the outbox, so their count is all that stays; rows older than
/// <see cref="PendoForwarder.DeliveryCountsKept"/> are pruned.
/// </summary>
public sealed class ForwardingDelivery
{
    public long Id { get; set; }
    public Guid ApplicationId { get; set; }
    public DateTimeOffset DeliveredAt { get; set; }
    public int Count { get; set; }
}
