namespace Portal.Core.Common;

/// <summary>Where metadata came from, as Pendo's Data Mappings groups it.</summary>
public static class GroupTypes
{
    /// <summary>Sent by Segment's Webhooks (Actions) destination.</summary>
    public const string Segment = "segmentio";

    /// <summary>Sent by the in-page agent.</summary>
    public const string Agent = "agent";

    /// <summary>Computed by Portal from what it stores (first/last visit, days active, events, visitors); read-only.</summary>
    public const string Default = "default";

    /// <summary>Defined by an Admin and set in Portal (a visitor's or account's page, or a CSV upload).</summary>
    public const string Custom = "custom";

    public static readonly IReadOnlyList<string> All = [Segment, Agent, Default, Custom];

    /// <summary>Group types ingestion never writes: Portal owns their fields.</summary>
    public static bool IsPortalOwned(string groupType) => groupType is Default or Custom;

    /// <summary>How Pendo's UI writes the group type.</summary>
    public static string DisplayName(string groupType) => groupType == Segment ? "segment.io" : groupType;
}
