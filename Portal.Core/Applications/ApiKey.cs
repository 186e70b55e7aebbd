namespace Portal.Core.Applications;

/// <summary>
/// An API key of an application. The value itself is never stored in plain text: a SHA-256 hash
/// serves look-ups and the value is kept encrypted (Data Protection) for Admins to reveal.
/// </summary>
public sealed class ApiKey
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid ApplicationId { get; set; }
    public Application? Application { get; set; }

    public string? Label { get; set; }

    /// <summary>SHA-256 of the key's UTF-8 bytes; unique.</summary>
    public required byte[] Hash { get; set; }

    /// <summary>The last four characters, for telling keys apart without revealing them.</summary>
    public required string Hint { get; set; }

    public required string ProtectedValue { get; set; }
    public ApiKeyOrigin Origin { get; set; }

    public string? CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }

    /// <summary>Set when the key was rotated: it keeps working until then (the grace period).</summary>
    public DateTimeOffset? ExpiresAt { get; set; }

    public Guid? ReplacedByKeyId { get; set; }

    public bool IsActiveAt(DateTimeOffset now) => RevokedAt is null && (ExpiresAt is null || ExpiresAt > now);
}

public enum ApiKeyOrigin
{
    Generated = 0,
    Imported = 1,
}
