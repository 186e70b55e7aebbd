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

    /// <summary>The display name a field has until an Admin gives it one: <c>first_name</c> becomes "First name".</summary>
    public static string DefaultDisplayName(string name)
    {
        var humanized = name.Humanize(LetterCasing.Sentence);
        return string.IsNullOrWhiteSpace(humanized) ? name : humanized;
    }

    private static bool IsAsciiLetter(char c) => c is >= 'a' and <= 'z' or >= 'A' and <= 'Z';
}
