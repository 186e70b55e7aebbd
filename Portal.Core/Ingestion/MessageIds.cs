using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;

namespace Portal.Core.Ingestion;

/// <summary>
/// A messageId for messages that arrive without one: a hash of the message's canonical JSON (keys
/// sorted, no whitespace, transport-only fields left out), so a retry of the same message gets the same id.
/// </summary>
public static class MessageIds
{
    private static readonly HashSet<string> TransportFields = new(StringComparer.Ordinal) { "messageId", "sentAt", "receivedAt", "_metadata", "writeKey" };

    public static string FromCanonical(JsonElement message)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            WriteCanonical(writer, message, topLevel: true);
        }
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(buffer.WrittenSpan, hash);
        return "auto-" + Convert.ToHexStringLower(hash[..16]);
    }

    private static void WriteCanonical(Utf8JsonWriter writer, JsonElement element, bool topLevel)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                var properties = element.EnumerateObject()
                    .Where(p => !topLevel || !TransportFields.Contains(p.Name))
                    .OrderBy(p => p.Name, StringComparer.Ordinal);
                foreach (var property in properties)
                {
                    writer.WritePropertyName(property.Name);
                    WriteCanonical(writer, property.Value, topLevel: false);
                }
                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray()) WriteCanonical(writer, item, topLevel: false);
                writer.WriteEndArray();
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }
}
