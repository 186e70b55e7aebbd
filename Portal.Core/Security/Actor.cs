namespace Portal.Core.Security;

/// <summary>
/// Who is acting, as Portal.Core sees it: the name that goes on the audit log and whether the
/// database says, right now, that they are an Admin.
/// </summary>
public sealed record Actor(string? UserId, string Name, bool IsAdmin)
{
    /// <summary>Nobody signed in: may read nothing that needs a user and change nothing.</summary>
    public static Actor Anonymous { get; } = new(null, "anonymous", false);

    /// <summary>The operator at the console: whoever can run the command line already holds the database.</summary>
    public static Actor Console(string name) => new(null, name, true);
}
