using Microsoft.Extensions.Options;
using Portal.Core.Applications;
using Portal.Core.Common;

namespace Portal.Core.Ingestion;

/// <summary>
/// Ingestion without HTTP: parse and validate a body on the caller's thread, hand the messages to the
/// group-commit writer, and return once they are committed. The caller must keep <c>body</c> unchanged
/// until the returned task completes (the writer logs it from that memory).
/// </summary>
public sealed class IngestionService(
    IngestionQueue queue, IOptions<IngestionOptions> options, IOptions<Forwarding.ForwardingOptions> forwarding, TimeProvider time)
{
    private readonly SegmentBodyParser _segment = new(options.Value);
    private readonly AgentBodyParser _agent = new(options.Value);

    public IngestionOptions Options => options.Value;

    /// <summary>
    /// A Segment webhook body. With a signing secret on the application, <paramref name="signature"/> must match:
    /// by default Segment's rule (a bare array is signed by its first element), in strict mode the whole body.
    /// </summary>
    public Task<IngestionResult> IngestSegmentAsync(ResolvedApiKey key, ReadOnlyMemory<byte> body, string? signature = null)
    {
        var receivedAt = time.GetUtcNow();
        var parsed = _segment.Parse(body, receivedAt);
        var signed = key.SignatureCoversWholeBody ? body : parsed.SignedBytes;
        if (key.SigningSecret is { } secret && !WebhookSignature.Verify(secret, signed.Span, signature))
        {
            var error = key.SignatureCoversWholeBody
                ? "X-Signature is missing or does not match the whole body signed with the application's secret (strict signing)."
                : "X-Signature is missing or does not match the application's signing secret.";
            var counts = new ParsedBody
            {
                Error = error, IdentifyCount = parsed.IdentifyCount, GroupCount = parsed.GroupCount, TrackCount = parsed.TrackCount, OtherCount = parsed.OtherCount,
            };
            return RejectAsync(key, GroupTypes.Segment, 401, IngestionStatus.Unauthorized, error, body, counts);
        }
        return SubmitAsync(key, GroupTypes.Segment, body, parsed, receivedAt);
    }

    /// <summary>An in-page agent body: <c>{"visitor": {"id": ...}, "account": {"id": ...}}</c>.</summary>
    public Task<IngestionResult> IngestAgentAsync(ResolvedApiKey key, ReadOnlyMemory<byte> body)
    {
        var receivedAt = time.GetUtcNow();
        return SubmitAsync(key, GroupTypes.Agent, body, _agent.Parse(body, receivedAt), receivedAt);
    }

    /// <summary>Leaves an ingestion log entry for a request refused before parsing (too large, wrong content type).</summary>
    public Task<IngestionResult> RecordRejectedAsync(ResolvedApiKey key, string source, int statusCode, string error, ReadOnlyMemory<byte> body = default) =>
        RejectAsync(key, source, statusCode, IngestionStatus.BadRequest, error, body, ParsedBody.Failed(error, body));

    private Task<IngestionResult> SubmitAsync(ResolvedApiKey key, string source, ReadOnlyMemory<byte> body, ParsedBody parsed, DateTimeOffset receivedAt)
    {
        if (parsed.Error is { } error) return RejectAsync(key, source, 400, IngestionStatus.BadRequest, error, body, ParsedBody.Failed(error, body));
        var aggregate = new BatchAggregate();
        foreach (var message in parsed.Messages) aggregate.Add(key.ApplicationId, message);
        var forward = key.Forwards && source == GroupTypes.Segment;
        var item = new MessagesWorkItem
        {
            ApplicationId = key.ApplicationId, KeyId = key.KeyId, KeyHint = key.Hint, Source = source,
            ReceivedAt = receivedAt, Parsed = parsed, Body = body, Aggregate = aggregate,
            Forward = forward,
            Packed = forward ? PackedOutbox.Of(key.ApplicationId, parsed.Messages, forwarding.Value.MessagesPerEntry) : null,
        };
        return queue.TryEnqueue(item) ? item.Completion.Task : Task.FromResult(Unavailable(parsed));
    }

    private async Task<IngestionResult> RejectAsync(ResolvedApiKey key, string source, int statusCode, IngestionStatus status, string error,
        ReadOnlyMemory<byte> body, ParsedBody parsed)
    {
        var result = new IngestionResult(status, [], error) { StatusCode = statusCode };
        var item = new RefusedWorkItem
        {
            ApplicationId = key.ApplicationId, KeyId = key.KeyId, KeyHint = key.Hint, Source = source, ReceivedAt = time.GetUtcNow(),
            Parsed = parsed, Body = body, Result = result,
        };
        // The log entry is best effort: a full queue must not turn a 4xx into a 503.
        if (queue.TryEnqueue(item))
        {
            try { await item.Completion.Task; }
            catch (Exception) { /* The writer already logged why; the caller's answer stays the same. */ }
        }
        return result;
    }

    internal static IngestionResult Unavailable(ParsedBody parsed) =>
        new(IngestionStatus.Unavailable, parsed.Outcomes, "Portal is busy; retry shortly.");
}
