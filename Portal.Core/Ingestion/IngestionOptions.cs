using System.ComponentModel.DataAnnotations;

namespace Portal.Core.Ingestion;

/// <summary>Limits and tuning of the ingestion endpoints and their group-commit writer (section "Ingestion").</summary>
public sealed class IngestionOptions
{
    public const string SectionName = "Ingestion";

    /// <summary>Largest single message, in bytes (Segment's own limit is 32 KB).</summary>
    [Range(1024, 1024 * 1024)]
    public int MaxMessageBytes { get; set; } = 32 * 1024;

    /// <summary>Largest request body, in bytes, measured after gzip decompression.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxRequestBytes { get; set; } = 500 * 1024;

    [Range(2, 256)]
    public int MaxJsonDepth { get; set; } = 64;

    [Range(1, 4096)]
    public int MaxFieldNameLength { get; set; } = 256;

    /// <summary>Longer string values are cut to this many characters and the field is flagged as truncated.</summary>
    [Range(16, 1024 * 1024)]
    public int MaxStringValueLength { get; set; } = 1024;

    /// <summary>Distinct catalogued fields per (application, kind, group type); past it fields are counted, not catalogued.</summary>
    [Range(1, 1_000_000)]
    public int MaxFieldsPerKind { get; set; } = 1000;

    /// <summary>Requests that may wait for the writer; a full queue answers 503 with Retry-After.</summary>
    [Range(1, 1_000_000)]
    public int ChannelCapacity { get; set; } = 8192;

    /// <summary>Most messages the writer commits in one transaction.</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 4000;

    /// <summary>
    /// How long the writer waits for more messages before committing a partial batch. 0 (default):
    /// commit what is queued at once; under load the next batch gathers during the commit's fsync anyway.
    /// </summary>
    [Range(0, 1000)]
    public int MaxWaitMilliseconds { get; set; }

    /// <summary>
    /// Longest the writer waits for a database another process has locked, in seconds, as one bounded wait (SQLite's busy
    /// timeout and the driver's own retry both end there). Past it the batch and everything queued behind it get 503.
    /// </summary>
    [Range(1, 300)]
    public int LockWaitSeconds { get; set; } = 3;

    /// <summary>
    /// Longest the default-metadata counts of known visitors and accounts (events, days active, first and last seen), and
    /// the counts and samples of known catalogue fields (Data Mappings' seen, first and last seen), wait in the writer
    /// before they are written, in milliseconds: under load each row is then written once per interval instead of once per
    /// commit. New rows, metadata changes and a field's new type are written in their own commit regardless. Counts
    /// waiting when the process is killed are lost (the events are not); 0 writes them in every commit.
    /// </summary>
    [Range(0, 60_000)]
    public int EntityCountsFlushMilliseconds { get; set; } = 1000;

    /// <summary>Retry-After (seconds) on a 503 when the queue is full or the writer failed.</summary>
    [Range(1, 3600)]
    public int RetryAfterSeconds { get; set; } = 1;

    [Range(1, 3650)]
    public int LogRetentionDays { get; set; } = 7;

    [Range(100, 100_000_000)]
    public int LogMaxEntries { get; set; } = 100_000;

    /// <summary>How many recent accepted requests per application keep their raw body (requests with an invalid message always do).</summary>
    [Range(0, 100_000)]
    public int RawBodySamplePerApp { get; set; } = 200;

    /// <summary>Largest raw body kept in a log entry, in bytes.</summary>
    [Range(0, 1024 * 1024)]
    public int MaxLoggedBodyBytes { get; set; } = 32 * 1024;

    /// <summary>How often old log entries and surplus raw bodies are pruned.</summary>
    [Range(1, 86_400)]
    public int LogPruneIntervalSeconds { get; set; } = 30;

    /// <summary>
    /// Longest a request body may take to arrive, in seconds; past it the request is answered 408. A body that
    /// stops completely is refused sooner by Kestrel's minimum data rate (240 bytes/s after a 5 s grace), also 408;
    /// this deadline catches a body that trickles in just fast enough to pass that rate.
    /// </summary>
    [Range(1, 3600)]
    public int RequestBodyTimeoutSeconds { get; set; } = 30;

    /// <summary>The same client-fault warning (bad text, bad framing, unknown keys…) is logged once per this many seconds, then as a count.</summary>
    [Range(1, 86_400)]
    public int RepeatedWarningIntervalSeconds { get; set; } = 60;

    [Required]
    public IngestionRateLimitOptions RateLimit { get; set; } = new();

    [Required]
    public RetentionOptions Retention { get; set; } = new();

    [Required]
    public UnrecognisedKeyOptions UnrecognisedKeys { get; set; } = new();
}

/// <summary>Requests refused with 401 because their key is unknown, revoked, expired or archived.</summary>
public sealed class UnrecognisedKeyOptions
{
    /// <summary>Refused key look-ups a client address may make in a burst before it gets 429 instead of 401.</summary>
    [Range(1, 1_000_000)]
    public int FailuresPerClient { get; set; } = 20;

    /// <summary>How many refused look-ups a client address earns back a minute.</summary>
    [Range(1, 1_000_000)]
    public int FailuresPerMinute { get; set; } = 20;

    /// <summary>At most this many refused requests get their own Ingestion log entry per interval; the rest are counted in one entry.</summary>
    [Range(0, 100_000)]
    public int LogEntriesPerInterval { get; set; } = 20;

    [Range(1, 86_400)]
    public int LogIntervalSeconds { get; set; } = 60;
}

/// <summary>How long stored events are kept (section "Ingestion:Retention").</summary>
public sealed class RetentionOptions
{
    /// <summary>
    /// Track events received more than this many days ago are deleted, a chunk at a time between commits. Empty
    /// (the default) keeps them all. Visitors, accounts and their metadata are kept either way.
    /// </summary>
    [Range(1, 36_500)]
    public int? TrackEventDays { get; set; }

    /// <summary>Most events deleted per transaction; the writer sizes chunks below it to stay within <see cref="MaxChunkMilliseconds"/>.</summary>
    [Range(50, 100_000)]
    public int ChunkSize { get; set; } = 2000;

    /// <summary>How long one chunk may hold up the writer (and so the requests queued behind it); about one commit.</summary>
    [Range(1, 10_000)]
    public int MaxChunkMilliseconds { get; set; } = 20;
}

public sealed class IngestionRateLimitOptions
{
    /// <summary>Token bucket per API key; 0 turns the limit off.</summary>
    [Range(0, 1_000_000)]
    public int RequestsPerSecond { get; set; } = 1000;
}
