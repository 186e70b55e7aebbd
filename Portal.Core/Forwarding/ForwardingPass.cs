namespace Portal.Core.Forwarding;

/// <summary>
/// One claimed outbox entry during a forwarder pass, and what became of each of its messages. The body is cut into its
/// messages only when needed (an entry larger than a request, a refusal to retry message by message, a partial outcome):
/// usually an entry is one request and goes to Pendo as it is stored. Concurrent requests each write only their own
/// messages' results.
/// </summary>
/// <remarks>
/// The stored body is unpacked when a request first needs it, not when it is claimed: a body that cannot be unpacked is then
/// that entry's dead letter, where a claim that threw failed the whole pass, and every pass after it.
/// </remarks>
internal sealed class PassEntry(ForwardingTarget target, ClaimedEntry claimed)
{
    private readonly Lock _gate = new();
    private byte[]? _body;
    private List<ReadOnlyMemory<byte>>? _messages;

    public ForwardingTarget Target { get; } = target;
    public ClaimedEntry Claimed { get; } = claimed;
    public int Count => Claimed.Count;

    /// <summary>Null: not tried (the pass was cancelled).</summary>
    public MessageResult?[] Results { get; } = new MessageResult?[claimed.Count];

    /// <summary>The JSON array of the messages; throws <see cref="System.Text.Json.JsonException"/> when the stored body cannot be read.</summary>
    private byte[] Body
    {
        get
        {
            lock (_gate)
            {
                if (_body is not null) return _body;
                try
                {
                    return _body = OutboxBody.Unpack(Claimed.Stored);
                }
                catch (InvalidDataException ex)
                {
                    throw new System.Text.Json.JsonException(ex.Message, ex);
                }
            }
        }
    }

    /// <summary>Each message's exact bytes; throws <see cref="System.Text.Json.JsonException"/> when the body cannot be read.</summary>
    public List<ReadOnlyMemory<byte>> Messages
    {
        get
        {
            lock (_gate)
            {
                if (_messages is not null) return _messages;
                var messages = OutboxBody.Split(Body);
                if (messages.Count != Count)
                    throw new System.Text.Json.JsonException($"The entry holds {messages.Count} messages but counts {Count}.");
                return _messages = messages;
            }
        }
    }

    /// <summary>
    /// The stored bytes of messages [<paramref name="from"/>, <paramref name="to"/>) without the array around them: a whole
    /// entry is its body less the brackets; messages are stored one after another with a comma between, so a range of them
    /// is one slice of the body.
    /// </summary>
    public ReadOnlyMemory<byte> Slice(int from, int to)
    {
        var body = Body.AsMemory();
        if (from == 0 && to == Count) return body[1..^1];
        var messages = Messages;
        var start = Offset(messages[from]);
        return body[start..(Offset(messages[to - 1]) + messages[to - 1].Length)];
    }

    private static int Offset(ReadOnlyMemory<byte> message) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(message, out var segment) ? segment.Offset : throw new InvalidOperationException("Not a slice of the body.");

    public void Mark(int from, int to, MessageResult result) => Array.Fill(Results, result, from, to - from);

    /// <summary>
    /// What the pass writes for this entry: all delivered, it leaves the outbox; none delivered and all to be retried (or a
    /// single message), it waits in place, so an outage rewrites no message; otherwise its delivered messages leave and the
    /// others go on in new entries, the retryable ones together, each dead letter on its own. An entry not fully tried stays
    /// as it is (its delivered messages are sent again, which Pendo deduplicates).
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
        if (delivered == 0 && (retries.Count == Results.Length || Results.Length == 1 || Results[0] is Failed { Unreadable: true }))
        {
            var failure = retry ?? (Failed)Results[0]!;
            outcomes.Updated.Add(new OutboxUpdate(id, failure.Dead ? OutboxState.Dead : OutboxState.Waiting, failure.DueAt, Claimed.Attempts,
                failure.Status, failure.Error));
            return;
        }
        outcomes.CountDelivered(Claimed.ApplicationId, delivered);
        var ids = OutboxBody.ParseIds(Claimed.MessageIds);
        var replacements = new List<OutboxEntry>();
        var waiting = Enumerable.Range(0, Results.Length).Where(i => Results[i] is Failed { Dead: false }).ToList();
        if (waiting.Count > 0) replacements.Add(Entry(ids, waiting, OutboxState.Waiting, retry!));
        for (var i = 0; i < Results.Length; i++)
            if (Results[i] is Failed { Dead: true } dead) replacements.Add(Entry(ids, [i], OutboxState.Dead, dead));
        outcomes.Split.Add(new OutboxSplit(id, Results.Length, replacements));
    }

    private OutboxEntry Entry(string[] ids, List<int> indexes, OutboxState state, Failed failure) => new()
    {
        ApplicationId = Claimed.ApplicationId,
        MessageIds = OutboxBody.Ids(indexes.Select(i => ids[i])),
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

internal abstract record MessageResult;

internal sealed record Delivered : MessageResult
{
    public static readonly Delivered Instance = new();
}

/// <summary>
/// Not delivered: tried again at <paramref name="DueAt"/>, or (<paramref name="Dead"/>) a dead letter from then on.
/// <paramref name="Unreadable"/>: the stored body could not be cut into its messages.
/// </summary>
internal sealed record Failed(bool Dead, DateTimeOffset DueAt, int? Status, string Error, bool Unreadable = false) : MessageResult;

/// <summary>Messages [<paramref name="From"/>, <paramref name="To"/>) of an entry, as part of a request.</summary>
internal readonly record struct RequestPart(PassEntry Entry, int From, int To)
{
    public int Count => To - From;
}

/// <summary>
/// One request to Pendo: whole entries, or a cut of a larger one, up to the batch size. Its body is the parts' stored bytes,
/// written without a copy: one message as its own JSON object, as Segment sends it; several as a bare array, as Webhooks
/// (Actions) batching does.
/// </summary>
internal sealed class PendoRequest(List<RequestPart> parts) : HttpContent
{
    private static readonly byte[] Open = "["u8.ToArray();
    private static readonly byte[] Comma = ","u8.ToArray();
    private static readonly byte[] Close = "]"u8.ToArray();
    private List<ReadOnlyMemory<byte>>? _slices;

    public List<RequestPart> Parts { get; } = parts;
    public int Count => Parts.Sum(p => p.Count);

    /// <summary>Throws <see cref="System.Text.Json.JsonException"/> when a part's entry cannot be read.</summary>
    public List<ReadOnlyMemory<byte>> Slices => _slices ??= Parts.ConvertAll(p => p.Entry.Slice(p.From, p.To));

    public void Mark(MessageResult result)
    {
        foreach (var part in Parts) part.Entry.Mark(part.From, part.To, result);
    }

    protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) =>
        await SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context, CancellationToken cancellationToken)
    {
        var single = Count == 1;
        if (!single) await stream.WriteAsync(Open, cancellationToken);
        for (var i = 0; i < Slices.Count; i++)
        {
            if (i > 0) await stream.WriteAsync(Comma, cancellationToken);
            await stream.WriteAsync(Slices[i], cancellationToken);
        }
        if (!single) await stream.WriteAsync(Close, cancellationToken);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = Slices.Sum(s => (long)s.Length) + Slices.Count - 1 + (Count == 1 ? 0 : 2);
        return true;
    }
}
