using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Portal.Core.Ingestion;

/// <summary>
/// Segment's Webhooks (Actions) signature: <c>X-Signature</c> = hex HMAC-SHA1 of the body with the
/// shared secret. For a batch Segment signs only the first event, so a batch signature authenticates
/// that event only — the rest of the batch rides on it.
/// </summary>
public static class WebhookSignature
{
    public static string Compute(string secret, ReadOnlySpan<byte> signed) =>
        Convert.ToHexStringLower(HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), signed));

    /// <summary>The signature Segment would send with <paramref name="body"/>: of the first element for a bare array, else of the whole body.</summary>
    public static string ComputeForBody(string secret, ReadOnlyMemory<byte> body) => Compute(secret, SignedPart(body).Span);

    /// <summary>What a Segment signature covers: a bare array's first element, byte for byte, or else the whole body.</summary>
    public static ReadOnlyMemory<byte> SignedPart(ReadOnlyMemory<byte> body)
    {
        var reader = new Utf8JsonReader(body.Span);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray || !reader.Read() || reader.TokenType == JsonTokenType.EndArray) return body;
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            return body.Slice(start, (int)reader.BytesConsumed - start);
        }
        catch (JsonException)
        {
            return body;
        }
    }

    public static bool Verify(string secret, ReadOnlySpan<byte> signed, string? presented)
    {
        if (string.IsNullOrWhiteSpace(presented)) return false;
        var hex = presented.Trim();
        if (hex.StartsWith("sha1=", StringComparison.OrdinalIgnoreCase)) hex = hex[5..];
        if (hex.Length != HMACSHA1.HashSizeInBytes * 2) return false;
        Span<byte> given = stackalloc byte[HMACSHA1.HashSizeInBytes];
        if (Convert.FromHexString(hex, given, out _, out var written) != System.Buffers.OperationStatus.Done || written != given.Length) return false;
        Span<byte> expected = stackalloc byte[HMACSHA1.HashSizeInBytes];
        HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), signed, expected);
        return CryptographicOperations.FixedTimeEquals(given, expected);
    }
}
