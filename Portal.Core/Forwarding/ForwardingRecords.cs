namespace Portal.Core.Forwarding;

/// <summary>An application's forwarding, as the Forwarding tab and <c>apps list --json</c> show it: never the key, only its hint.</summary>
public sealed record ForwardingState(bool Enabled, string? Region, string? KeyHint, DateTimeOffset? ChangedAt, string? ChangedBy)
{
    public static readonly ForwardingState Off = new(false, null, null, null, null);
}

/// <summary>The tab's figures: how much waits, how fast it leaves, how old the oldest waiting message is, what went wrong last.</summary>
public sealed record ForwardingFigures(int Waiting, int DeliveredLastMinute, int DeliveredLastHour, int DeadLetters, TimeSpan? OldestWaitingAge,
    string? LastError, DateTimeOffset? LastErrorAt);

/// <summary>A message Pendo refused (or retries gave up on), with its answer.</summary>
public sealed record DeadLetter(long Id, string MessageId, int Attempts, int? Status, string? Error, DateTimeOffset EnqueuedAt, DateTimeOffset DeadAt);

/// <summary>What became of one message on its way to Pendo, for the Ingestion log.</summary>
public enum ForwardState
{
    NotForwarded = 0,
    Waiting,
    Retrying,
    Delivered,
    DeadLettered,

    /// <summary>A dead letter an Admin discarded, or a message erased before it was delivered: it did not reach Pendo.</summary>
    Discarded,
}

/// <summary>An application whose oldest waiting message is older than the Dashboard's threshold.</summary>
public sealed record ForwardingLag(Guid ApplicationId, string ApplicationName, int Waiting, TimeSpan OldestWaitingAge, string? LastError);

/// <summary>Replay progress: messages put back in the outbox so far, of the range's total.</summary>
public readonly record struct ReplayProgress(int Queued, int Total);
