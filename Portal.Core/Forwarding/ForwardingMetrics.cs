using System.Diagnostics.Metrics;

namespace Portal.Core.Forwarding;

/// <summary>
/// The forwarder's instruments (meter <see cref="MeterName"/>): messages by result as they happen, and the queue as of
/// the forwarder's last look (it refreshes the figures every <see cref="RefreshInterval"/>, not on every scrape).
/// </summary>
public sealed class ForwardingMetrics
{
    public const string MeterName = "Portal.Forwarding";
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(10);

    private readonly Counter<long> _messages;
    private volatile QueueFigures _queue = new(0, null);

    public ForwardingMetrics(IMeterFactory meterFactory, TimeProvider time)
    {
        var meter = meterFactory.Create(MeterName);
        _messages = meter.CreateCounter<long>("portal.forwarding.messages", "{message}",
            "Messages the forwarder finished with, by result (delivered, retry, dead_letter).");
        meter.CreateObservableGauge("portal.forwarding.queue.depth", () => _queue.Waiting, "{message}",
            "Messages waiting to be delivered to Pendo, all applications.");
        meter.CreateObservableGauge("portal.forwarding.oldest.waiting", () => _queue.OldestEnqueuedAt is { } at ? Math.Max(0, (time.GetUtcNow() - at).TotalSeconds) : 0,
            "s", "Age of the oldest message waiting to be delivered to Pendo (0 with none).");
    }

    internal void Delivered(int count) => _messages.Add(count, new KeyValuePair<string, object?>("result", "delivered"));

    internal void Retrying(int count) => _messages.Add(count, new KeyValuePair<string, object?>("result", "retry"));

    internal void DeadLettered(int count) => _messages.Add(count, new KeyValuePair<string, object?>("result", "dead_letter"));

    internal void Queue(int waiting, DateTimeOffset? oldestEnqueuedAt) => _queue = new QueueFigures(waiting, oldestEnqueuedAt);

    private sealed record QueueFigures(int Waiting, DateTimeOffset? OldestEnqueuedAt);
}
