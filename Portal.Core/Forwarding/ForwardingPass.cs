namespace Portal.Core.Forwarding;

/// <summary>
/// One claimed outbox entry during a forwarder pass: its messages (each the exact bytes stored) and what became of each.
/// Concurrent requests of the pass each write only their own messages' results.
/// </summary>
internal sealed class PassEntry
{
    public PassEntry(ForwardingTarget target, ClaimedEntry claimed)
    {
        Target = target;
        Claimed = claimed;
        Messages = OutboxBody.Split(claimed.Body);
        if (Messages.Count != claimed.MessageIds.Length)
            throw new System.Text.Json.JsonException($"The entry holds {Messages.Count} messages but lists {claimed.MessageIds.Length} messageIds.");
        Results = new MessageResult?[Messages.Count];
    }

    public ForwardingTarget Target { get; }
    public ClaimedEntry Claimed { get; }
    public List<ReadOnlyMemory<byte>> Messages { get; }

    /// <summary>Null: not tried (the pass was cancelled).</summary>
    public MessageResult?[] Results { get; }

    public IEnumerable<PassMessage> All() => Enumerable.Range(0, Messages.Count).Select(i => new PassMessage(this, i));

    /// <summary>
    /// What the pass writes for this entry: all delivered, it leaves the outbox; all failed and retryable, it waits in place
    /// (so an outage rewrites no message); otherwise its delivered messages leave and the others go on in new entries, the
    /// retryable ones together, each dead letter on its own. An entry not fully tried stays as it is (its delivered messages
    /// are sent again, which Pendo deduplicates).
    /// </summary>
    public void Settle(OutboxOutcomes outcomes)
    {
        if (Array.Exists(Results, r => r is null)) return;
        var id = Claimed.Id;
        var delivered = Results.Count(r => r is Delivered);
        if (delivered == Results.Length)
        {
            outcomes.Deleted.Add(id);
            outcomes.CountDelivered(Claimed.ApplicationId, delivered);
            return;
        }
        var retries = Results.OfType<Failed>().Where(f => !f.Dead).ToList();
        var retry = retries.Count == 0 ? null : retries.MinBy(f => f.DueAt)!;
        if (delivered == 0 && (retries.Count == Results.Length || Results.Length == 1))
        {
            var failure = retry ?? (Failed)Results[0]!;
            outcomes.Updated.Add(new OutboxUpdate(id, failure.Dead ? OutboxState.Dead : OutboxState.Waiting, failure.DueAt, Claimed.Attempts,
                failure.Status, failure.Error));
            return;
        }
        outcomes.CountDelivered(Claimed.ApplicationId, delivered);
        var replacements = new List<OutboxEntry>();
        var waiting = Enumerable.Range(0, Results.Length).Where(i => Results[i] is Failed { Dead: false }).ToList();
        if (waiting.Count > 0) replacements.Add(Entry(waiting, OutboxState.Waiting, retry!));
        for (var i = 0; i < Results.Length; i++)
            if (Results[i] is Failed { Dead: true } dead) replacements.Add(Entry([i], OutboxState.Dead, dead));
        outcomes.Split.Add(new OutboxSplit(id, Results.Length, replacements));
    }

    private OutboxEntry Entry(List<int> indexes, OutboxState state, Failed failure) => new()
    {
        ApplicationId = Claimed.ApplicationId,
        MessageIds = OutboxBody.Ids(indexes.Select(i => Claimed.MessageIds[i])),
        Count = indexes.Count,
        Body = OutboxBody.Join(indexes.ConvertAll(i => Messages[i])),
        State = state,
        EnqueuedAt = Claimed.EnqueuedAt,
        DueAt = failure.DueAt,
        Attempts = Claimed.Attempts,
        LastStatus = failure.Status,
        LastError = failure.Error,
    };
}

/// <summary>One message of a pass: the <paramref name="Index"/>th of its entry.</summary>
internal readonly record struct PassMessage(PassEntry Entry, int Index)
{
    public ReadOnlyMemory<byte> Json => Entry.Messages[Index];
    public MessageResult? Result { set => Entry.Results[Index] = value; }
}

internal abstract record MessageResult;

internal sealed record Delivered : MessageResult
{
    public static readonly Delivered Instance = new();
}

/// <summary>Not delivered: tried again at <paramref name="DueAt"/>, or (<paramref name="Dead"/>) a dead letter from then on.</summary>
internal sealed record Failed(bool Dead, DateTimeOffset DueAt, int? Status, string Error) : MessageResult;
