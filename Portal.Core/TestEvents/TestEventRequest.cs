namespace Portal.Core.TestEvents;

/// <summary>Where a test send goes: a configured region, this Portal, or (Admins only) a custom base URL.</summary>
public sealed record TestEventTarget(string Name, TestEventTargetKind Kind, string? CustomBaseUrl = null)
{
    public const string CustomName = "Custom URL";

    public static TestEventTarget ThisPortal { get; } = new(Applications.WebhookUrlBuilder.ThisPortal, TestEventTargetKind.ThisPortal);
    public static TestEventTarget Region(string name) => new(name, TestEventTargetKind.Region);
    public static TestEventTarget Custom(string baseUrl) => new(CustomName, TestEventTargetKind.Custom, baseUrl);
}

public enum TestEventTargetKind
{
    ThisPortal = 0,
    Region = 1,
    Custom = 2,
}

/// <summary>One press of "Send": the edited message, how many copies, to which key and target.</summary>
public sealed record TestEventRequest(Guid KeyId, TestEventTarget Target, string MessageJson, int Copies);

/// <summary>
/// What a send did: one result per HTTP request (a batch of many copies takes several), and for this
/// Portal the per-message effect read back from the ingestion log. URLs are shown with the key masked.
/// </summary>
public sealed record TestEventOutcome(
    Guid ApplicationId,
    string TargetName,
    string MaskedUrl,
    IReadOnlyList<TestEventResult> Results,
    IReadOnlyList<TestEventEffect> Effects,
    string? Error)
{
    public static TestEventOutcome Refused(string error) => new(Guid.Empty, "", "", [], [], error);

    public TestEventResult? Last => Results.Count == 0 ? null : Results[^1];
    public bool Succeeded => Error is null && Results.Count > 0 && Results.All(r => r.Succeeded);
    public TimeSpan TotalLatency => Results.Aggregate(TimeSpan.Zero, (sum, r) => sum + r.Latency);
    public int Count(string outcome) => Effects.Count(e => e.Outcome == outcome);

    /// <summary>The ingestion log's outcome names, in the order they are reported.</summary>
    public static readonly IReadOnlyList<string> OutcomeNames =
        [.. Enum.GetValues<Ingestion.MessageOutcomeKind>().Select(Ingestion.MessageOutcome.OutcomeName)];

    /// <summary>"3 accepted, 1 skipped": the non-zero outcome counts.</summary>
    public string EffectSummary() =>
        string.Join(", ", OutcomeNames.Select(o => (Name: o, Count: Count(o))).Where(x => x.Count > 0).Select(x => $"{x.Count} {x.Name}"));
}
