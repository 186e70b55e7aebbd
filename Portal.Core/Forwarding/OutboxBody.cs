using System.Buffers;
using System.IO.Compression;
using System.Text.Json;

namespace Portal.Core.Forwarding;

/// <summary>
/// The layout of an <see cref="OutboxEntry"/>: its messages' JSON joined into one JSON array (which is also the request
/// body Webhooks (Actions) batching sends, so a whole entry can go to Pendo as it is), and their messageIds as a JSON array.
/// Ingestion stores the array gzip-compressed (<see cref="Pack"/>); readers take either form (<see cref="Unpack"/>).
/// </summary>
public static class OutboxBody
{
    /// <summary>
    /// The messages joined as by <see cref="Join"/>, gzip-compressed at the fastest level. The outbox write is part of the
    /// ingestion writer's commit, and with forwarding on it doubled the bytes each commit wrote and synced: 100-message
    /// batches kept 57–67% of their events/s, and all of it (not CPU: Portal's used ~7% more) came back with tiny bodies.
    /// Segment messages repeat their keys and context, so an entry shrinks to a fraction of its size.
    /// </summary>
    public static byte[] Pack(IReadOnlyList<ReadOnlyMemory<byte>> messages)
    {
        var output = new MemoryStream(JoinedLength(messages) / 4 + 64);
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true)) WriteJoined(gzip, messages);
        return output.ToArray();
    }

    /// <summary>
    /// The JSON array of a stored body: <see cref="Pack"/>ed ones are decompressed; others (rewritten by erasure, split by a
    /// partial answer, replayed, or stored before bodies were packed) are the array already. JSON never starts with gzip's
    /// magic bytes.
    /// </summary>
    public static byte[] Unpack(byte[] stored)
    {
        if (stored is not [0x1f, 0x8b, ..]) return stored;
        using var input = new GZipStream(new MemoryStream(stored), CompressionMode.Decompress);
        var output = new MemoryStream(stored.Length * 8);
        input.CopyTo(output);
        return output.ToArray();
    }

    public static byte[] Join(IReadOnlyList<ReadOnlyMemory<byte>> messages)
    {
        var body = new byte[JoinedLength(messages)];
        WriteJoined(new MemoryStream(body), messages);
        return body;
    }

    private static int JoinedLength(IReadOnlyList<ReadOnlyMemory<byte>> messages)
    {
        var length = 1 + messages.Count;
        foreach (var message in messages) length += message.Length;
        return length;
    }

    private static void WriteJoined(Stream output, IReadOnlyList<ReadOnlyMemory<byte>> messages)
    {
        output.WriteByte((byte)'[');
        for (var i = 0; i < messages.Count; i++)
        {
            if (i > 0) output.WriteByte((byte)',');
            output.Write(messages[i].Span);
        }
        output.WriteByte((byte)']');
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
