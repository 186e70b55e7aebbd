using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Portal.Core.Ingestion;

/// <summary>The IngestionLogEntry.OutcomesJson contract: [{"index","type","outcome","reason"?,"messageId"?,"visitorId"?,"accountId"?,"event"?,"forwarded"?}].</summary>
public static class OutcomesJson
{
    public static string Write(IReadOnlyList<MessageOutcome> outcomes)
    {
        var buffer = new ArrayBufferWriter<byte>(64 + outcomes.Count * 96);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var o in outcomes)
            {
                writer.WriteStartObject();
                writer.WriteNumber("index", o.Index);
                if (o.Type is null) writer.WriteNull("type"); else writer.WriteString("type", o.Type);
                writer.WriteString("outcome", MessageOutcome.OutcomeName(o.Outcome));
                if (o.Reason is not null) writer.WriteString("reason", o.Reason);
                if (o.MessageId is not null) writer.WriteString("messageId", o.MessageId);
                if (o.VisitorId is not null) writer.WriteString("visitorId", o.VisitorId);
                if (o.AccountId is not null) writer.WriteString("accountId", o.AccountId);
                if (o.Event is not null) writer.WriteString("event", o.Event);
                if (o.Forwarded) writer.WriteBoolean("forwarded", true);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
