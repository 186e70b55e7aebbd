using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Portal.Core.Common;

namespace Portal.Core.Ingestion;

/// <summary>
/// Parses a Segment webhook body once and maps each message to Portal's model. Accepts a single
/// message, a bare array (Webhooks (Actions) with batching) and <c>{"batch": [...]}</c> (the HTTP
/// Tracking API shape, whose top-level <c>context</c> applies to every message that lacks the key).
/// </summary>
public sealed class SegmentBodyParser(IngestionOptions options)
{
    private readonly FieldFlattener _flattener = new(options);

    public ParsedBody Parse(ReadOnlyMemory<byte> body, DateTimeOffset receivedAt)
    {
        if (!JsonBody.TryOpen(body, options.MaxJsonDepth, out var document, out var failed)) return failed;

        using (document)
        {
            var root = document.RootElement;
            var parsed = new ParsedBody { SignedBytes = body };
            switch (root.ValueKind)
            {
                case JsonValueKind.Array:
                    var index = 0;
                    foreach (var message in root.EnumerateArray())
                    {
                        // Segment signs a batch by its first event's JSON: that element's exact bytes here.
                        if (index == 0) parsed.SignedBytes = Slice(body, message);
                        MapMessage(body, message, index++, batchContext: null, receivedAt, parsed);
                    }
                    break;
                case JsonValueKind.Object when root.TryGetProperty("batch", out var batch):
                    if (batch.ValueKind != JsonValueKind.Array) return ParsedBody.Failed("\"batch\" must be an array of messages.", body);
                    JsonElement? context = root.TryGetProperty("context", out var c) && c.ValueKind == JsonValueKind.Object ? c : null;
                    var i = 0;
                    foreach (var message in batch.EnumerateArray()) MapMessage(body, message, i++, context, receivedAt, parsed);
                    break;
                case JsonValueKind.Object:
                    MapMessage(body, root, 0, batchContext: null, receivedAt, parsed);
                    break;
                default:
                    return ParsedBody.Failed("The body must be a message object, an array of messages or {\"batch\": [...]}.", body);
            }
            return parsed;
        }
    }

    /// <summary>The sender's own messageId, when it gave a usable one, so a skipped message can be traced in the log.</summary>
    private string? PresentedMessageId(JsonElement message) =>
        message.TryGetProperty("messageId", out var id) && id.ValueKind == JsonValueKind.String
            && id.GetString() is { Length: > 0 } value && value.Length <= options.MaxFieldNameLength ? value : null;

    private static ReadOnlyMemory<byte> Slice(ReadOnlyMemory<byte> body, JsonElement element)
    {
        var raw = JsonMarshal.GetRawUtf8Value(element);
        return body.Span.Overlaps(raw, out var offset) ? body.Slice(offset, raw.Length) : body;
    }

    private void MapMessage(ReadOnlyMemory<byte> body, JsonElement message, int index, JsonElement? batchContext, DateTimeOffset receivedAt, ParsedBody parsed)
    {
        string? type = null;
        if (message.ValueKind == JsonValueKind.Object && message.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String)
            type = t.GetString()!.Trim().ToLowerInvariant();

        switch (type)
        {
            case MessageTypes.Identify: parsed.IdentifyCount++; break;
            case MessageTypes.Group: parsed.GroupCount++; break;
            case MessageTypes.Track: parsed.TrackCount++; break;
            default: parsed.OtherCount++; break;
        }

        var error = message.ValueKind != JsonValueKind.Object ? "message is not a JSON object"
            : JsonMarshal.GetRawUtf8Value(message).Length > options.MaxMessageBytes ? $"message is larger than {options.MaxMessageBytes / 1024} KB"
            : type is null ? "type is missing"
            : null;
        if (error is not null)
        {
            parsed.Outcomes.Add(new MessageOutcome { Index = index, Type = type, Outcome = MessageOutcomeKind.Invalid, Reason = error });
            return;
        }

        if (type is "screen" or "page" or "alias")
        {
            parsed.Outcomes.Add(new MessageOutcome
            {
                Index = index, Type = type, Outcome = MessageOutcomeKind.Skipped, Reason = $"{type} is not supported by Pendo's webhook",
                MessageId = PresentedMessageId(message),
            });
            return;
        }
        if (type is not (MessageTypes.Identify or MessageTypes.Group or MessageTypes.Track))
        {
            parsed.Outcomes.Add(new MessageOutcome { Index = index, Type = type, Outcome = MessageOutcomeKind.Invalid, Reason = $"type '{Clip(type!)}' is not a Segment message type" });
            return;
        }

        var result = Map(message, index, type, batchContext, receivedAt);
        if (result.Message is { } mapped)
        {
            mapped.RawJson = ForwardedJson.Of(body, message, mapped.MessageId);
            parsed.Messages.Add(mapped);
            parsed.Outcomes.Add(new MessageOutcome
            {
                Index = index, Type = type, Outcome = MessageOutcomeKind.Accepted, MessageId = mapped.MessageId,
                VisitorId = mapped.VisitorId, AccountId = mapped.AccountId, Event = mapped.EventName, Reason = result.Note,
            });
        }
        else
        {
            parsed.Outcomes.Add(new MessageOutcome { Index = index, Type = type, Outcome = MessageOutcomeKind.Invalid, Reason = result.Error });
        }
    }

    private (IngestMessage? Message, string? Error, string? Note) Map(JsonElement message, int index, string type, JsonElement? batchContext, DateTimeOffset receivedAt)
    {
        var visitorId = Id(message, "userId") ?? Id(message, "anonymousId");

        string? messageId;
        if (message.TryGetProperty("messageId", out var m) && m.ValueKind == JsonValueKind.String && m.GetString() is { Length: > 0 } given)
        {
            if (given.Length > options.MaxFieldNameLength) return (null, $"messageId longer than {options.MaxFieldNameLength} characters", null);
            messageId = given;
        }
        else
        {
            messageId = MessageIds.FromCanonical(message);
        }

        if (!TryDate(message, "timestamp", out var sentTimestamp)) return (null, "timestamp is not an ISO-8601 date", null);
        // Dates Portal only corrects with: a malformed one means no correction, not a lost message.
        if (!TryDate(message, "originalTimestamp", out var original) && sentTimestamp is null) return (null, "originalTimestamp is not an ISO-8601 date", null);
        TryDate(message, "sentAt", out var sentAt);
        TryDate(message, "receivedAt", out var segmentReceivedAt);
        var timestamp = Corrected(sentTimestamp, original, sentAt, segmentReceivedAt, receivedAt);

        var fields = new List<FlatField>();
        var emptyNames = 0;
        string? accountId = null;
        string? eventName = null;
        string? payload = null;

        switch (type)
        {
            case MessageTypes.Identify:
            {
                if (visitorId is null) return (null, "identify needs a userId or anonymousId", null);
                if (!TryObject(message, "traits", out var traits)) return (null, "traits must be an object", null);
                if (traits is { } tr)
                {
                    accountId = Id(tr, "groupId");
                    // groupId names the account the visitor belongs to; it is a link, not visitor metadata.
                    if (_flattener.Flatten(tr, GroupTypes.Segment, fields, ref emptyNames, skipTopLevel: "groupId") is { } e) return (null, e, null);
                    payload = tr.GetRawText();
                }
                break;
            }
            case MessageTypes.Group:
            {
                accountId = Id(message, "groupId");
                if (accountId is null) return (null, "group needs a groupId", null);
                if (!TryObject(message, "traits", out var traits)) return (null, "traits must be an object", null);
                if (traits is { } tr)
                {
                    if (_flattener.Flatten(tr, GroupTypes.Segment, fields, ref emptyNames) is { } e) return (null, e, null);
                    payload = tr.GetRawText();
                }
                break;
            }
            default:
            {
                if (visitorId is null) return (null, "track needs a userId or anonymousId", null);
                if (!message.TryGetProperty("event", out var ev) || ev.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(ev.GetString()))
                    return (null, "track needs an event name", null);
                eventName = ev.GetString()!;
                if (eventName.Length > options.MaxFieldNameLength) return (null, $"event name longer than {options.MaxFieldNameLength} characters", null);
                if (!TryObject(message, "properties", out var properties)) return (null, "properties must be an object", null);
                if (properties is { } props)
                {
                    accountId = Id(props, "groupId");
                    if (_flattener.Flatten(props, GroupTypes.Segment, fields, ref emptyNames) is { } e) return (null, e, null);
                    payload = props.GetRawText();
                }
                accountId ??= ContextGroupId(message, batchContext);
                break;
            }
        }

        return (new IngestMessage
        {
            Index = index,
            Type = type,
            MessageId = messageId,
            GroupType = GroupTypes.Segment,
            Timestamp = timestamp,
            OriginalTimestamp = sentTimestamp ?? original,
            VisitorId = visitorId,
            AccountId = accountId,
            EventName = eventName,
            PayloadJson = payload,
            Fields = fields,
        }, null, FieldFlattener.EmptyNamesNote(emptyNames));
    }

    private static string? ContextGroupId(JsonElement message, JsonElement? batchContext)
    {
        if (message.TryGetProperty("context", out var context) && context.ValueKind == JsonValueKind.Object && Id(context, "groupId") is { } own) return own;
        return batchContext is { } shared ? Id(shared, "groupId") : null;
    }

    /// <summary>Segment ids are strings, but numbers are common in the wild and mean the same.</summary>
    internal static string? Id(JsonElement obj, string property)
    {
        if (!obj.TryGetProperty(property, out var value)) return null;
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString() is { Length: > 0 } s ? s : null,
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        };
    }

    private static bool TryObject(JsonElement message, string property, out JsonElement? value)
    {
        value = null;
        if (!message.TryGetProperty(property, out var element) || element.ValueKind == JsonValueKind.Null) return true;
        if (element.ValueKind != JsonValueKind.Object) return false;
        value = element;
        return true;
    }

    /// <summary>
    /// A message straight from a client has its own <c>timestamp</c> and <c>sentAt</c>, corrected with Portal's receive time.
    /// One relayed by Segment was already corrected by Segment: its client time is <c>originalTimestamp</c> and its
    /// receive time Segment's <c>receivedAt</c>, so the same rule is applied to those rather than twice.
    /// </summary>
    private static DateTimeOffset Corrected(DateTimeOffset? timestamp, DateTimeOffset? originalTimestamp, DateTimeOffset? sentAt,
        DateTimeOffset? segmentReceivedAt, DateTimeOffset receivedAt)
    {
        if (sentAt is null) return MessageTime.Corrected(timestamp ?? originalTimestamp, null, receivedAt);
        var clientTime = originalTimestamp ?? timestamp;
        var reference = originalTimestamp is not null && segmentReceivedAt is { } segment && segment < receivedAt ? segment : receivedAt;
        return MessageTime.Corrected(MessageTime.Corrected(clientTime, sentAt, reference), null, receivedAt);
    }

    /// <summary>False only for a present, non-null value that is not an ISO-8601 date.</summary>
    private static bool TryDate(JsonElement message, string property, out DateTimeOffset? date)
    {
        date = null;
        if (!message.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null) return true;
        if (value.ValueKind != JsonValueKind.String) return false;
        if (!DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)) return false;
        date = parsed.ToUniversalTime();
        return true;
    }

    private static string Clip(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
