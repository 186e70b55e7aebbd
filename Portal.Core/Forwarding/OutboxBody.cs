using System.Buffers;
using System.Buffers.Binary;
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
    private static readonly ZLibCompressionOptions Compression = new() { CompressionLevel = 2 };

    /// <summary>
    /// The messages joined as by <see cref="Join"/>, gzip-compressed. The outbox write is part of the ingestion writer's
    /// commit, and with forwarding on it doubled the bytes each commit wrote and synced: 100-message batches kept 57–67% of
    /// their events/s, and all of it (not CPU: Portal's used ~7% more) came back with tiny bodies. Segment messages repeat
    /// their keys and context, so an entry shrinks to a fraction of its size.
    /// </summary>
    /// <remarks>
    /// zlib level 2, not 1: level 1 (zlib-ng's quick deflate, fixed codes) left a 100-message entry of bench/track.lua's
    /// messages at 78 bytes a message, level 2 at 55 (levels 3–6: 53–54), for ~48 µs instead of ~33 on the request thread;
    /// every byte saved is one the writer's commit does not write and sync. Joined first, then compressed in one call:
    /// written message by message (and comma by comma) into the gzip stream, each write was a call into zlib (~55 µs at
    /// level 1).
    /// </remarks>
    public static byte[] Pack(IReadOnlyList<ReadOnlyMemory<byte>> messages)
    {
        var length = JoinedLength(messages);
        var joined = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            WriteJoined(new MemoryStream(joined), messages);
            var output = new MemoryStream(length / 4 + 64);
            using (var gzip = new GZipStream(output, Compression, leaveOpen: true)) gzip.Write(joined, 0, length);
            return output.ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(joined);
        }
    }

    /// <summary>
    /// The JSON array of a stored body: <see cref="Pack"/>ed ones are decompressed; others (rewritten by erasure, split by a
    /// partial answer, replayed, or stored before bodies were packed) are the array already. JSON never starts with gzip's
    /// magic bytes.
    /// </summary>
    /// <remarks>
    /// Decompressed straight into an array of the length gzip's trailer gives (its last four bytes: the length mod 2^32, and
    /// an entry is at most a few megabytes): through a MemoryStream that had to grow (onto the large object heap) and then
    /// be copied out, a 100-message entry took ~200 µs to read, now ~22 µs, for every entry the forwarder claims.
    /// </remarks>
    public static byte[] Unpack(byte[] stored)
    {
        if (stored is not [0x1f, 0x8b, ..]) return stored;
        if (stored.Length < 18) throw new InvalidDataException("An outbox body is too short for gzip.");
        var length = BinaryPrimitives.ReadInt32LittleEndian(stored.AsSpan(^4));
        // Deflate shrinks by at most 1032:1: a larger length is a damaged trailer, not an array to allocate.
        if (length < 0 || length > (long)stored.Length * 1032) throw new InvalidDataException("An outbox body's gzip trailer gives no usable length.");
        using var input = new GZipStream(new MemoryStream(stored), CompressionMode.Decompress);
        var body = new byte[length];
        try
        {
            input.ReadExactly(body);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException("An outbox body is shorter than its gzip trailer says.");
        }
        if (input.ReadByte() != -1) throw new InvalidDataException("An outbox body is longer than its gzip trailer says.");
        return body;
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
