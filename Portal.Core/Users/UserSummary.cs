namespace Portal.Core.Users;

public sealed record UserSummary(string Id, string Email, string Role, bool IsLockedOut, DateTimeOffset? LockoutEnd, DateTimeOffset CreatedAt);
