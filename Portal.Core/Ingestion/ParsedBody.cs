namespace Portal.Core.Ingestion;

/// <summary>A request body after parsing: the messages to store, every message's outcome so far, or why the body as a whole is refused.</summary>
public sealed class ParsedBody
{
    public List<IngestMessage> Messages { get; } = [];
    public List<MessageOutcome> Outcomes { get; } = [];

    /// <summary>Set when the body as a whole is unusable (not JSON, wrong shape): a 400 for the whole request.</summary>
    public string? Error { get; init; }

    /// <summary>The bytes a webhook signature covers: the whole body, or for a bare array its first element's exact bytes.</summary>
    public ReadOnlyMemory<byte> SignedBytes { get; set; }

    public int IdentifyCount { get; set; }
    public int GroupCount { get; set; }
    public int TrackCount { get; set; }
    public int OtherCount { get; set; }

    public bool HasInvalid => Outcomes.Exists(o => o.Outcome == MessageOutcomeKind.Invalid);

    public static ParsedBody Failed(string error, ReadOnlyMemory<byte> body) => new() { Error = error, SignedBytes = body };
}
