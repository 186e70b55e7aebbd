using System.ComponentModel.DataAnnotations;

namespace Portal.Core.Applications;

public sealed class ApiKeyOptions
{
    public const string SectionName = "ApiKeys";

    /// <summary>How long a rotated key keeps working beside its replacement.</summary>
    [Range(0, 365)]
    public int RotationGraceDays { get; set; } = 7;

    /// <summary>How long the in-memory key snapshot is trusted before it is reloaded (revocations by other instances).</summary>
    [Range(1, 3600)]
    public int CacheTtlSeconds { get; set; } = 30;
}
