namespace Portal.Core.Ingestion.Metrics;

/// <summary>
/// The commits of the last minute on this instance: events stored per second and the 99th percentile commit time,
/// as the Dashboard's ingestion tile shows them. The writer records; pages read a snapshot now and then.
/// </summary>
public sealed class LiveIngestionFigures(TimeProvider time)
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    // A minute of commits is bounded by the writer's pace; the cap only guards memory if commits are tiny and many.
    private const int MaxCommits = 20_000;

    private readonly Lock _lock = new();
    private readonly Queue<(DateTimeOffset At, int Stored, double Milliseconds)> _commits = new();

    internal void Record(int stored, TimeSpan duration)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            _commits.Enqueue((now, stored, duration.TotalMilliseconds));
            Trim(now);
        }
    }

    public LiveIngestionSnapshot Snapshot()
    {
        var now = time.GetUtcNow();
        double[] durations;
        long stored = 0;
        lock (_lock)
        {
            Trim(now);
            durations = new double[_commits.Count];
            var i = 0;
            foreach (var commit in _commits)
            {
                durations[i++] = commit.Milliseconds;
                stored += commit.Stored;
            }
        }
        Array.Sort(durations);
        double? p99 = durations.Length == 0 ? null : durations[Math.Min(durations.Length - 1, (int)Math.Ceiling(durations.Length * 0.99) - 1)];
        return new LiveIngestionSnapshot(stored / Window.TotalSeconds, durations.Length, p99);
    }

    private void Trim(DateTimeOffset now)
    {
        while (_commits.Count > 0 && (now - _commits.Peek().At > Window || _commits.Count > MaxCommits)) _commits.Dequeue();
    }
}

/// <summary>Events stored per second over the last minute, the commits in it, and their 99th percentile time (null with none).</summary>
public sealed record LiveIngestionSnapshot(double EventsPerSecond, int Commits, double? P99CommitMilliseconds);
