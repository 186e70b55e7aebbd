using System.Text;
using System.Text.Unicode;

namespace Portal.Core.Ingestion;

/// <summary>
/// Checks the text of a body before it is parsed. System.Text.Json accepts invalid UTF-8 inside strings
/// and a <c>\uD800</c> escape with no partner (both are well-formed JSON to its reader) and only fails when
/// such a string is read, deep in the mapping; refusing them here gives the sender one clear 400.
/// </summary>
internal static class JsonText
{
    public static string? Check(ReadOnlySpan<byte> body)
    {
        if (!Utf8.IsValid(body)) return $"The body is not valid UTF-8 (byte {FirstInvalidUtf8(body) + 1}).";
        var lone = LoneSurrogateEscape(body);
        return lone < 0 ? null
            : $"The body has a \\u escape that is half of a UTF-16 surrogate pair (byte {lone + 1}); strings must be valid Unicode.";
    }

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> body)
    {
        var i = 0;
        while (i < body.Length)
        {
            if (Rune.DecodeFromUtf8(body[i..], out _, out var consumed) != System.Buffers.OperationStatus.Done) return i;
            i += consumed;
        }
        return -1;
    }

    /// <summary>The offset of the first <c>\uXXXX</c> escape that is a surrogate without its partner, or -1.</summary>
    /// <remarks>Backslashes outside strings are syntax errors the parser reports itself, so strings need not be tracked.</remarks>
    private static int LoneSurrogateEscape(ReadOnlySpan<byte> body)
    {
        var i = 0;
        while (true)
        {
            var next = body[i..].IndexOf((byte)'\\');
            if (next < 0) return -1;
            i += next;
            if (i + 1 >= body.Length) return -1;
            if (body[i + 1] != (byte)'u' || !TryHex(body, i + 2, out var unit))
            {
                i += 2;
                continue;
            }
            if (char.IsLowSurrogate((char)unit)) return i;
            if (char.IsHighSurrogate((char)unit))
            {
                var paired = i + 11 < body.Length && body[i + 6] == (byte)'\\' && body[i + 7] == (byte)'u'
                    && TryHex(body, i + 8, out var low) && char.IsLowSurrogate((char)low);
                if (!paired) return i;
                i += 12;
                continue;
            }
            i += 6;
        }
    }

    private static bool TryHex(ReadOnlySpan<byte> body, int start, out int value)
    {
        value = 0;
        if (start + 4 > body.Length) return false;
        for (var k = start; k < start + 4; k++)
        {
            var digit = HexValue(body[k]);
            if (digit < 0) return false;
            value = value * 16 + digit;
        }
        return true;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
