namespace Portal.Core.Ingestion;

public enum IngestionStatus
{
    /// <summary>Nothing invalid (skipped messages included): 200 with an empty body.</summary>
    Ok,

    /// <summary>Some messages were invalid; the valid ones are stored. 400 listing the invalid ones.</summary>
    Invalid,

    /// <summary>The body as a whole is unusable (not JSON, wrong shape). 400.</summary>
    BadRequest,

    /// <summary>The webhook signature is missing or wrong. 401.</summary>
    Unauthorized,

    /// <summary>The queue is full, the writer failed or is shutting down. 503 with Retry-After.</summary>
    Unavailable,
}

/// <summary>What happened to one request, once its messages are committed (or refused).</summary>
/// <remarks>
/// <see cref="StatusCode"/> is the one HTTP status of the request: the endpoint answers with it and the
/// ingestion log records it. It follows <see cref="IngestionStatusCodes.Of"/> unless the request was refused
/// with a more precise code (413, 415) before parsing.
/// </remarks>
public sealed record IngestionResult(IngestionStatus Status, IReadOnlyList<MessageOutcome> Outcomes, string? Error = null)
{
    public int StatusCode { get; init; } = IngestionStatusCodes.Of(Status);

    public IEnumerable<MessageOutcome> InvalidOutcomes => Outcomes.Where(o => o.Outcome == MessageOutcomeKind.Invalid);
}

/// <summary>The one mapping from an ingestion status to its HTTP status code.</summary>
public static class IngestionStatusCodes
{
    public static int Of(IngestionStatus status) => status switch
    {
        IngestionStatus.Ok => 200,
        IngestionStatus.Invalid => 400,
        IngestionStatus.BadRequest => 400,
        IngestionStatus.Unauthorized => 401,
        IngestionStatus.Unavailable => 503,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };
}
