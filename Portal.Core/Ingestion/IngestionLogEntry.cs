namespace Portal.Core.Ingestion;

/// <summary>One ingestion request, as the Ingestion log shows it. Retention is bounded.</summary>
public sealed class IngestionLogEntry
{
    public long Id { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
    public Guid? ApplicationId { get; set; }
    public string? KeyHint { get; set; }

    /// <summary>segmentio or agent.</summary>
    public required string Source { get; set; }

    public int StatusCode { get; set; }
    public int IdentifyCount { get; set; }
    public int GroupCount { get; set; }
    public int TrackCount { get; set; }
    public int OtherCount { get; set; }
    public int Accepted { get; set; }
    public int Duplicates { get; set; }
    public int Skipped { get; set; }
    public int Invalid { get; set; }
    public string? FirstError { get; set; }

    /// <summary>Per-message outcomes as JSON (index, type, outcome, reason, ids), for the test-event sender and the log page.</summary>
    public string? OutcomesJson { get; set; }

    /// <summary>The raw body (up to 32 KB) for requests with an invalid message and a sample of accepted ones.</summary>
    public string? RawBody { get; set; }

    public double DurationMs { get; set; }
}
