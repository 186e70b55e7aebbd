using System.Text.Json;

namespace Portal.Core.Common;

/// <summary>Helpers for searches that run in SQL.</summary>
public static class TextSearch
{
    /// <summary>The exclusive upper bound of the strings starting with <paramref name="prefix"/>, so a prefix search is an index range.</summary>
    public static string PrefixUpperBound(string prefix) => prefix + '\uffff';

    /// <summary>A LIKE pattern for "contains", with LIKE's wildcards in the text escaped by a backslash.</summary>
    public static string ContainsPattern(string text) =>
        "%" + text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";

    /// <summary>
    /// The text as System.Text.Json's default encoder writes it inside a JSON string (it escapes &lt;, &gt;, quotes and
    /// non-ASCII), so a search can match values stored in metadata JSON whichever way the writer encoded them.
    /// </summary>
    public static string JsonEncoded(string text)
    {
        var json = JsonSerializer.Serialize(text);
        return json[1..^1];
    }
}
