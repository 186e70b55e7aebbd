using System.ComponentModel.DataAnnotations;

namespace Portal.Security.SignIn;

/// <summary>How sign-in resists guessing without letting a stranger lock anyone out, and whether Admins need 2FA.</summary>
public sealed class SignInSecurityOptions
{
    public const string SectionName = "SignIn";

    /// <summary>Admins without an authenticator app are sent to set one up before any other page.</summary>
    public bool RequireTwoFactorForAdmins { get; set; }

    /// <summary>Wrong passwords for one account from one client address before that address has to wait.</summary>
    [Range(1, 1000)]
    public int FreeFailures { get; set; } = 5;

    /// <summary>The first wait; each further failure from the same address for the same account doubles it.</summary>
    [Range(1, 86_400)]
    public int FirstDelaySeconds { get; set; } = 60;

    [Range(1, 604_800)]
    public int MaxDelaySeconds { get; set; } = 3600;

    /// <summary>A pair (account, address) with no failure for this long starts afresh.</summary>
    [Range(60, 2_592_000)]
    public int ForgetAfterSeconds { get; set; } = 86_400;

    /// <summary>Most (account, address) pairs remembered; past it, pairs that are not waiting are forgotten first.</summary>
    [Range(100, 10_000_000)]
    public int MaxTrackedPairs { get; set; } = 100_000;

    /// <summary>Requests a client address may make to the sign-in pages per minute, across all accounts; past it 429 with Retry-After.</summary>
    [Range(1, 10_000)]
    public int RequestsPerMinute { get; set; } = 20;
}
