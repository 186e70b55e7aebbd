namespace Portal.Core.Users;

public static class PortalRoles
{
    public const string Admin = "Admin";
    public const string Viewer = "Viewer";

    public static readonly IReadOnlyList<string> All = [Admin, Viewer];

    // Fixed ids so the roles can be seeded by the migration itself.
    internal const string AdminRoleId = "7f3c2a4e-0b6d-4a51-9c1e-2f1b7d8a9e01";
    internal const string ViewerRoleId = "7f3c2a4e-0b6d-4a51-9c1e-2f1b7d8a9e02";
}
