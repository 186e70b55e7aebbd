namespace Portal.Components.Account;

/// <summary>Whether a return URL stays on this site: a path, never a scheme, a host or a trick browsers read as one.</summary>
internal static class LocalUrl
{
    public static bool IsSafe(string url)
    {
        if (url.Length == 0) return true;
        // Browsers drop leading spaces and control characters and read '\' as '/': " //evil", "/\evil" lead off-site.
        if (char.IsWhiteSpace(url[0]) || url.Any(c => char.IsControl(c) || c == '\\')) return false;
        if (url.StartsWith("//", StringComparison.Ordinal)) return false;
        // A ':' before any '/', '?' or '#' starts a scheme (https:, javascript:).
        var colon = url.IndexOf(':');
        var pathStart = url.IndexOfAny(['/', '?', '#']);
        return colon < 0 || (pathStart >= 0 && pathStart < colon);
    }
}
