namespace Portal.Hosting;

public static class PortalPolicies
{
    /// <summary>Changes to keys, users and mappings.</summary>
    public const string Admin = "Admin";
}
