namespace Portal.Core.Users;

public static class AccountLock
{
    /// <summary>
    /// An Admin's lock ends at <see cref="DateTimeOffset.MaxValue"/> (<see cref="UserAdminService.SetLockedAsync"/>);
    /// automatic lockouts end within minutes. Anything ending past year 9000 is an Admin's.
    /// </summary>
    public static bool IsAdminLock(DateTimeOffset? lockoutEnd) => lockoutEnd is { } end && end.UtcDateTime.Year >= 9000;
}
