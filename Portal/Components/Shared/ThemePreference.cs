namespace Portal.Components.Shared;

/// <summary>The light/dark choice, remembered per browser in a cookie that portal.js writes.</summary>
public static class ThemePreference
{
    public const string CookieName = "portal-theme";
    public const string CascadingName = "InitialDarkMode";

    public static bool IsDark(string? cookieValue) => string.Equals(cookieValue, "dark", StringComparison.Ordinal);
}
