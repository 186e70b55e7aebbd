using System.Buffers;
using System.IO.Compression;
using System.Text.Json;

namespace Portal.Core.Forwarding;

/// <summary>
/// The layout of an <see cref="OutboxEntry"/>: its messages' JSON joined into one JSON array (which is also the request
/// body Webhooks (Actions) batching sends, so a whole entry can go to Pendo as it is), and their messageIds as a JSON array.
/// Ingestion stores the array gzip-compressed (<see cref="PackRuns"/>); readers take either form (<see cref="Unpack"/>).
/// </summary>
public static class OutboxBody
{
    /// <summary>
    /// Messages joined by commas, without the brackets, as one gzip member at the fastest level: a run of an entry (see
    /// <see cref="PackRuns"/>). The outbox write is part of the ingestion writer's commit, and with forwarding on it doubled
    /// the bytes each commit wrote and synced: 100-message batches kept 57–67% of their events/s, and all of it (not CPU:
    /// Portal's used ~7% more) came back with tiny bodies. Segment messages repeat their keys and context, so an entry
    /// shrinks to a fraction of its size. A request of many messages is packed on its own thread (see
    /// <see cref="Ingestion.PackedRun"/>), so the single writer only copies it.
    /// </summary>
    public static byte[] PackRun(IReadOnlyList<ReadOnlyMemory<byte>> messages)
    {
        var output = new MemoryStream(JoinedLength(messages) / 4 + 64);
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true)) WriteMessages(gzip, messages);
        return output.ToArray();
    }

    /// <summary>
    /// Runs (<see cref="PackRun"/>) as one body: the members for "[", ",", "]" between them. gzip members one after another
    /// decompress to their contents one after another (RFC 1952), so <see cref="Unpack"/> reads one JSON array; each
    /// separator costs some 20 bytes.
    /// </summary>
    public static byte[] PackRuns(IReadOnlyList<byte[]> runs)
    {
        var length = OpenMember.Length + CloseMember.Length + (runs.Count - 1) * CommaMember.Length;
        foreach (var run in runs) length += run.Length;
        var body = new byte[length];
        var at = Copy(OpenMember, body, 0);
        for (var i = 0; i < runs.Count; i++)
        {
            if (i > 0) at = Copy(CommaMember, body, at);
            at = Copy(runs[i], body, at);
        }
        Copy(CloseMember, body, at);
        return body;

        static int Copy(byte[] source, byte[] target, int at)
        {
            source.CopyTo(target, at);
            return at + source.Length;
        }
    }

    private static readonly byte[] OpenMember = Member("["u8);
    private static readonly byte[] CommaMember = Member(","u8);
    private static readonly byte[] CloseMember = Member("]"u8);

    private static byte[] Member(ReadOnlySpan<byte> text)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(text);
        return output.ToArray();
    }

    /// <summary>
    /// The JSON array of a stored body: packed ones (<see cref="PackRuns"/>) are decompressed; others (rewritten by erasure, split by a
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
        WriteMessages(output, messages);
        output.WriteByte((byte)']');
    }

    private static void WriteMessages(Stream output, IReadOnlyList<ReadOnlyMemory<byte>> messages)
    {
        for (var i = 0; i < messages.Count; i++)
        {
            if (i > 0) output.WriteByte((byte)',');
            output.Write(messages[i].Span);
        }
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
