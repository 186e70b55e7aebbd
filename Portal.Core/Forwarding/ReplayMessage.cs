using System.Buffers;
using System.Text.Json;
using Portal.Core.Events;
using Portal.Core.Ingestion;

namespace Portal.Core.Forwarding;

/// <summary>
/// A stored event turned back into the Segment message Pendo expects, for Replay: type, messageId (so Pendo
/// deduplicates), user, account, event name, traits or properties and the sender's timestamp. Portal keeps
/// what Pendo uses, not the whole original message: context other than the account is not replayed.
/// </summary>
internal static class ReplayMessage
{
    public static byte[] Build(SegmentEvent stored)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + (stored.PayloadJson?.Length ?? 0));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", stored.Type);
            writer.WriteString("messageId", stored.MessageId);
            if (stored.VisitorId is { } visitor) writer.WriteString("userId", visitor);
            if (stored.Type == MessageTypes.Group && stored.AccountId is { } group) writer.WriteString("groupId", group);
            if (stored.Type == MessageTypes.Track && stored.Name is { } name) writer.WriteString("event", name);
            if (stored.PayloadJson is { } payload)
            {
                writer.WritePropertyName(stored.Type == MessageTypes.Track ? "properties" : "traits");
                writer.WriteRawValue(payload, skipInputValidation: true);
            }
            // A track event's account may have come from context.groupId rather than its properties.
            if (stored.Type == MessageTypes.Track && stored.AccountId is { } account)
            {
                writer.WriteStartObject("context");
                writer.WriteString("groupId", account);
                writer.WriteEndObject();
            }
            writer.WriteString("timestamp", (stored.OriginalTimestamp ?? stored.Timestamp).UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
