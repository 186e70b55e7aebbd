using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Portal.Core.Ingestion;

/// <summary>Opens a request body as JSON once, with the depth limit, or says why it is not JSON (or not valid text).</summary>
internal static class JsonBody
{
    public static bool TryOpen(ReadOnlyMemory<byte> body, int maxDepth, [NotNullWhen(true)] out JsonDocument? document,
        [NotNullWhen(false)] out ParsedBody? failed)
    {
        if (JsonText.Check(body.Span) is { } badText)
        {
            document = null;
            failed = ParsedBody.Failed(badText, body);
            return false;
        }
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = maxDepth });
            failed = null;
            return true;
        }
        catch (JsonException ex)
        {
            document = null;
            failed = ParsedBody.Failed(NotJson(ex, maxDepth), body);
            return false;
        }
    }

    private static string NotJson(JsonException ex, int maxDepth) =>
        ex.Message.Contains("maximum configured depth", StringComparison.OrdinalIgnoreCase)
            ? $"The body nests JSON deeper than {maxDepth} levels."
            : $"The body is not valid JSON (line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}).";
}
