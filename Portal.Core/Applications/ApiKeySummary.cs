namespace Portal.Core.Applications;

/// <summary>A key as anyone may see it: masked, with its history. Never holds the key's value.</summary>
public sealed record ApiKeySummary(
    Guid Id,
    Guid ApplicationId,
    string ApplicationName,
    string? Label,
    string Hint,
    ApiKeyOrigin Origin,
    string? CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastUsedAt,
    DateTimeOffset? RevokedAt,
    DateTimeOffset? ExpiresAt,
    Guid? ReplacedByKeyId,
    ApiKeyStatus Status)
{
    public string Masked => ApiKeyFormat.Mask(Hint);

    /// <summary>Whether the key is still accepted (active, or rotated and inside its grace period).</summary>
    public bool Works => Status is ApiKeyStatus.Active or ApiKeyStatus.Expiring;
}

public enum ApiKeyStatus
{
    Active = 0,

    /// <summary>Rotated: still accepted until <see cref="ApiKeySummary.ExpiresAt"/>.</summary>
    Expiring = 1,
    Expired = 2,
    Revoked = 3,
}
