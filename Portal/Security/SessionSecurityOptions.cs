using System.ComponentModel.DataAnnotations;

namespace Portal.Security;

/// <summary>How quickly a change to a user (demoted, locked, password reset) reaches sessions already signed in.</summary>
public sealed class SessionSecurityOptions
{
    public const string SectionName = "Security";

    /// <summary>
    /// How often both the sign-in cookie and an open Blazor circuit are checked against the database. At most a
    /// minute, so a locked user is signed out and a demoted Admin's open page loses its powers within one.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00", ErrorMessage = "Security:RevalidationInterval must be between 1 second and 1 minute.")]
    public TimeSpan RevalidationInterval { get; set; } = TimeSpan.FromMinutes(1);
}
