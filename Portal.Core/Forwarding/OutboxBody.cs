using System.Buffers;
using System.Text.Json;

namespace Portal.Core.Forwarding;

/// <summary>
/// The layout of an <see cref="OutboxEntry"/>: its messages' JSON joined into one JSON array (which is also the request
/// body Webhooks (Actions) batching sends, so a whole entry can go to Pendo as it is), and their messageIds as a JSON array.
/// </summary>
public static class OutboxBody
{
    public static byte[] Join(IReadOnlyList<ReadOnlyMemory<byte>> messages)
    {
        var length = 1 + messages.Count;
        foreach (var message in messages) length += message.Length;
        var body = new byte[length];
        var at = 0;
        body[at++] = (byte)'[';
        for (var i = 0; i < messages.Count; i++)
        {
            if (i > 0) body[at++] = (byte)',';
            messages[i].Span.CopyTo(body.AsSpan(at));
            at += messages[i].Length;
        }
        body[at] = (byte)']';
        return body;
    }

    /// <summary>The messages of a body, each the exact bytes it was stored with.</summary>
    public static List<ReadOnlyMemory<byte>> Split(ReadOnlyMemory<byte> body)
    {
        var messages = new List<ReadOnlyMemory<byte>>();
        var reader = new Utf8JsonReader(body.Span, new JsonReaderOptions { MaxDepth = 256 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray) throw new JsonException("An outbox body is a JSON array.");
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            messages.Add(body[start..(int)reader.BytesConsumed]);
        }
        return messages;
    }

    public static string Ids(IEnumerable<string> messageIds)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var id in messageIds) writer.WriteStringValue(id);
            writer.WriteEndArray();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static string[] ParseIds(string messageIds) => JsonSerializer.Deserialize<string[]>(messageIds) ?? [];
}
