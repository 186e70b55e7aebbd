using System.Diagnostics.Metrics;
using Portal.Core.Ingestion.Faults;

namespace Portal.Core.Ingestion.Metrics;

/// <summary>
/// Ingestion's instruments (meter <see cref="MeterName"/>), exported by OpenTelemetry when metrics are on, plus the
/// last minute of commits kept here for the Dashboard's live tile (so the tile works with metrics export off).
/// </summary>
public sealed class IngestionMetrics
{
    public const string MeterName = "Portal.Ingestion";

    private readonly Counter<long> _requests;
    private readonly Counter<long> _messages;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _commits;
    private readonly Histogram<double> _commitDuration;
    private readonly Histogram<int> _commitSize;

    public IngestionMetrics(IMeterFactory meterFactory, IngestionQueue queue, WriterHealth health, TimeProvider time)
    {
        var meter = meterFactory.Create(MeterName);
        Live = new LiveIngestionFigures(time);
        _requests = meter.CreateCounter<long>("portal.ingestion.requests", "{request}",
            "Ingestion requests answered, by source (segmentio, agent) and HTTP status code.");
        _messages = meter.CreateCounter<long>("portal.ingestion.messages", "{message}",
            "Messages in answered requests, by source and outcome (accepted = stored, duplicate, skipped, invalid).");
        _refused = meter.CreateCounter<long>("portal.ingestion.refused", "{request}",
            "Requests refused before the writer, by reason (rate_limited, unrecognised_key, bad_signature, too_large, …).");
        _commits = meter.CreateCounter<long>("portal.ingestion.commits", "{commit}",
            "Group commits the writer attempted, by result (committed, failed, unavailable).");
        _commitDuration = meter.CreateHistogram<double>("portal.ingestion.commit.duration", "s", "Time a group commit took.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        _commitSize = meter.CreateHistogram<int>("portal.ingestion.commit.size", "{message}", "Messages in a committed group commit.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000] });
        meter.CreateObservableGauge("portal.ingestion.queue.depth", () => queue.Depth, "{request}", "Requests waiting for the writer.");
        meter.CreateObservableGauge("portal.ingestion.writer.healthy", () => health.IsHealthy ? 1 : 0, null,
            "1 while the writer's last commit succeeded, 0 while the database refuses writes.");
    }

    /// <summary>The last minute of commits, for the Dashboard.</summary>
    public LiveIngestionFigures Live { get; }

    public void RequestAnswered(string source, int statusCode) =>
        _requests.Add(1, new KeyValuePair<string, object?>("source", source), new KeyValuePair<string, object?>("status", statusCode));

    public void MessagesAnswered(string source, IReadOnlyList<MessageOutcome> outcomes)
    {
        if (outcomes.Count == 0) return;
        Span<int> counts = stackalloc int[4];
        foreach (var outcome in outcomes) counts[(int)outcome.Outcome]++;
        for (var kind = 0; kind < counts.Length; kind++)
        {
            if (counts[kind] == 0) continue;
            _messages.Add(counts[kind], new KeyValuePair<string, object?>("source", source),
                new KeyValuePair<string, object?>("outcome", OutcomeName((MessageOutcomeKind)kind)));
        }
    }

    public void Refused(string reason) => _refused.Add(1, new KeyValuePair<string, object?>("reason", reason));

    internal void Committed(int messages, int stored, TimeSpan duration)
    {
        _commits.Add(1, new KeyValuePair<string, object?>("result", "committed"));
        _commitDuration.Record(duration.TotalSeconds);
        _commitSize.Record(messages);
        Live.Record(stored, duration);
    }

    internal void CommitFailed(bool unavailable) =>
        _commits.Add(1, new KeyValuePair<string, object?>("result", unavailable ? "unavailable" : "failed"));

    private static string OutcomeName(MessageOutcomeKind kind) => kind switch
    {
        MessageOutcomeKind.Accepted => "accepted",
        MessageOutcomeKind.Duplicate => "duplicate",
        MessageOutcomeKind.Skipped => "skipped",
        _ => "invalid",
    };
}
