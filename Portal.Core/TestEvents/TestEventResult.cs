namespace Portal.Core.TestEvents;

/// <summary>What a target answered to one test send (or why nothing answered).</summary>
public sealed record TestEventResult(
    string Url,
    int? StatusCode,
    string? ReasonPhrase,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    string Body,
    TimeSpan Latency,
    string? NetworkError,
    int Messages)
{
    public bool Succeeded => StatusCode is >= 200 and < 300;
    public bool IsEmptyBody => Body.Length == 0;
}

/// <summary>How Portal's ingestion treated one message of a test send, read back from the ingestion log.</summary>
public sealed record TestEventEffect(
    string Outcome,
    string? Type,
    string? Reason,
    string? MessageId,
    string? VisitorId,
    string? AccountId,
    string? Event);
