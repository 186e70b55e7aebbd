namespace Portal.Core.Common;

/// <summary>Where metadata came from, as Pendo's Data Mappings groups it.</summary>
public static class GroupTypes
{
    /// <summary>Sent by Segment's Webhooks (Actions) destination.</summary>
    public const string Segment = "segmentio";

    /// <summary>Sent by the in-page agent.</summary>
    public const string Agent = "agent";

    public static readonly IReadOnlyList<string> All = [Segment, Agent];

    /// <summary>How Pendo's UI writes the group type.</summary>
    public static string DisplayName(string groupType) => groupType == Segment ? "segment.io" : groupType;
}
