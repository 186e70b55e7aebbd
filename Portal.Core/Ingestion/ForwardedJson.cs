using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Portal.Core.Ingestion;

/// <summary>A message's JSON for forwarding: the sender's exact bytes, or, when Portal had to give it a messageId, a copy carrying that id.</summary>
internal static class ForwardedJson
{
    public static ReadOnlyMemory<byte> Of(ReadOnlyMemory<byte> body, JsonElement message, string messageId)
    {
        if (message.TryGetProperty("messageId", out var given) && given.ValueKind == JsonValueKind.String && given.ValueEquals(messageId))
        {
            var raw = JsonMarshal.GetRawUtf8Value(message);
            // Without a copy: the body outlives the write that stores this slice.
            return body.Span.Overlaps(raw, out var offset) ? body.Slice(offset, raw.Length) : raw.ToArray();
        }
        // The id Portal derived goes first, so Pendo deduplicates a resend exactly as Portal does.
        var buffer = new ArrayBufferWriter<byte>(JsonMarshal.GetRawUtf8Value(message).Length + 64);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("messageId", messageId);
            foreach (var property in message.EnumerateObject())
                if (!property.NameEquals("messageId")) property.WriteTo(writer);
            writer.WriteEndObject();
        }
        return buffer.WrittenMemory;
    }
}
