namespace Portal.Core.Security;

public static class CurrentUserExtensions
{
    public const string AdminOnly = "Only Admins can do that.";

    /// <summary>The acting user when they are an Admin; otherwise null, and the caller refuses with <see cref="AdminOnly"/>.</summary>
    public static async Task<Actor?> AdminAsync(this ICurrentUser currentUser, CancellationToken cancellationToken = default)
    {
        var actor = await currentUser.GetAsync(cancellationToken);
        return actor.IsAdmin ? actor : null;
    }
}
