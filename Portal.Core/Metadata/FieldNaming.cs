using System.Collections.Concurrent;
using Humanizer;

namespace Portal.Core.Metadata;

/// <summary>Pendo's naming rules for metadata fields, and the default display name.</summary>
public static class FieldNaming
{
    /// <summary>Pendo caps track event property names at this length.</summary>
    public const int MaxTrackPropertyNameLength = 32;

    /// <summary>Letters, digits and underscores only, starting with a letter or underscore; track property names at most 32 characters.</summary>
    public static bool BreaksPendoRules(string name, FieldKind kind)
    {
        if (name.Length == 0) return true;
        if (kind == FieldKind.TrackProperty && name.Length > MaxTrackPropertyNameLength) return true;
        if (!IsAsciiLetter(name[0]) && name[0] != '_') return true;
        foreach (var c in name)
        {
            if (!IsAsciiLetter(c) && !char.IsAsciiDigit(c) && c != '_') return true;
        }
        return false;
    }

    /// <summary>Words that read as acronyms in a display name, however the field name cased them.</summary>
    private static readonly HashSet<string> Acronyms = new(StringComparer.OrdinalIgnoreCase)
    {
        "id", "ids", "url", "uri", "nps", "api", "ip", "utm", "sku", "uuid", "guid", "arr", "mrr", "ltv", "cac", "kpi", "roi",
        "sso", "ui", "os", "csv", "json", "html", "http", "https", "sms", "crm", "seo", "vat", "gdpr", "b2b", "b2c",
    };

    /// <summary>
    /// The display name a field has until an Admin gives it one: <c>first_name</c> becomes "First name",
    /// <c>nps_score</c> "NPS score", <c>user_id</c> "User ID".
    /// </summary>
    public static string DefaultDisplayName(string name)
    {
        // A Data Mappings page humanizes every name of the kind (to keep defaults unique) on every load; names repeat.
        if (RememberedDefaults.TryGetValue(name, out var remembered)) return remembered;
        var computed = ComputeDefaultDisplayName(name);
        if (RememberedDefaults.Count >= MaxRememberedDefaults) RememberedDefaults.Clear();
        RememberedDefaults[name] = computed;
        return computed;
    }

    private const int MaxRememberedDefaults = 20_000;
    private static readonly ConcurrentDictionary<string, string> RememberedDefaults = new(StringComparer.Ordinal);

    private static string ComputeDefaultDisplayName(string name)
    {
        // Dots join the parts of a nested object's field name (address.postal_code): words, as underscores are.
        var humanized = name.Replace('.', ' ').Humanize(LetterCasing.Sentence);
        if (string.IsNullOrWhiteSpace(humanized)) return name;
        var words = humanized.Split(' ');
        for (var i = 0; i < words.Length; i++)
        {
            if (Acronyms.Contains(words[i])) words[i] = words[i].Equals("ids", StringComparison.OrdinalIgnoreCase) ? "IDs" : words[i].ToUpperInvariant();
        }
        return string.Join(' ', words);
    }

    /// <summary>
    /// The default display names of these fields, unique among them: names whose defaults coincide
    /// (<c>created_at</c> and <c>createdAt</c>) each keep their field name beside it, "Created at (createdAt)".
    /// </summary>
    public static IReadOnlyDictionary<string, string> UniqueDefaultDisplayNames(IEnumerable<string> names)
    {
        var byDefault = names.Distinct(StringComparer.Ordinal).GroupBy(DefaultDisplayName, StringComparer.OrdinalIgnoreCase);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var group in byDefault)
        {
            var shared = group.Skip(1).Any();
            foreach (var name in group) result[name] = shared ? $"{DefaultDisplayName(name)} ({name})" : DefaultDisplayName(name);
        }
        return result;
    }

    private static bool IsAsciiLetter(char c) => c is >= 'a' and <= 'z' or >= 'A' and <= 'Z';
}
