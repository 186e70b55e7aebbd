namespace Portal.Core.Ingestion;

/// <summary>
/// The display name and email lists show for a visitor or account, picked from the traits of a batch. Null when the batch
/// names neither, so the row keeps what it had.
/// </summary>
internal static class EntityNames
{
    private const int MaxLength = 256;
    private static readonly string[] NameFields = ["name", "displayName", "display_name", "fullName", "full_name"];
    private static readonly string[] EmailFields = ["email", "emailAddress", "email_address"];

    public static (string? Name, string? Email) From(EntityChange change)
    {
        if (change.Fields is null) return (null, null);
        string? name = null, email = null, first = null, last = null;
        DateTimeOffset nameAt = default, emailAt = default;
        foreach (var ((_, field), (value, at)) in change.Fields)
        {
            if (value.Value is not { Length: > 0 } text) continue;
            if (Matches(field, NameFields) && (name is null || at > nameAt)) (name, nameAt) = (text, at);
            else if (Matches(field, EmailFields) && (email is null || at > emailAt)) (email, emailAt) = (text, at);
            else if (field.Equals("firstName", StringComparison.OrdinalIgnoreCase) || field.Equals("first_name", StringComparison.OrdinalIgnoreCase)) first = text;
            else if (field.Equals("lastName", StringComparison.OrdinalIgnoreCase) || field.Equals("last_name", StringComparison.OrdinalIgnoreCase)) last = text;
        }
        name ??= first is null && last is null ? null : $"{first} {last}".Trim();
        return (Cap(name), Cap(email));
    }

    private static bool Matches(string field, string[] names)
    {
        foreach (var candidate in names)
            if (field.Equals(candidate, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    private static string? Cap(string? text) => text is { Length: > MaxLength } ? text[..MaxLength] : text;
}
