using System.Text.RegularExpressions;

namespace Portal.Logging;

/// <summary>Replaces the key in ingestion paths (<c>/data/segmentio/KEY</c>) with its last four characters.</summary>
public static partial class ApiKeyRedaction
{
    public static string Redact(string? text)
    {
        if (string.IsNullOrEmpty(text) || !text.Contains("/data/", StringComparison.OrdinalIgnoreCase)) return text ?? "";
        return KeyInPath().Replace(text, m => m.Groups["prefix"].Value + Hint(m.Groups["key"].Value));
    }

    /// <summary>The form a key takes in logs and audit entries: an ellipsis and its last four characters.</summary>
    public static string Hint(string key) => key.Length <= 4 ? "…" : "…" + key[^4..];

    [GeneratedRegex(@"(?<prefix>/data/(segmentio|agent)/)(?<key>[^/?#\s""']+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex KeyInPath();
}
