using System.ComponentModel.DataAnnotations;

namespace Portal.Core.Forwarding;

/// <summary>
/// Where and how accepted messages are relayed to Pendo. Regions are Pendo's US and EU plus
/// <see cref="Regions"/> (a proxy, a test sink); only these ever become a request target.
/// </summary>
public sealed class ForwardingOptions
{
    public const string SectionName = "Forwarding";

    public static readonly IReadOnlyList<ForwardingRegion> PendoRegions =
    [
        new() { Name = "US", BaseUrl = "https://data.pendo.io" },
        new() { Name = "EU", BaseUrl = "https://data.eu.pendo.io" },
    ];

    /// <summary>Regions besides US and EU; a name given here may also replace one of those.</summary>
    public List<ForwardingRegion> Regions { get; set; } = [];

    /// <summary>Messages per request: 1 sends each message on its own, as Segment does; more sends a JSON array (Webhooks batching).</summary>
    [Range(1, 500)]
    public int BatchSize { get; set; } = 1;

    /// <summary>Requests in flight at once, per instance.</summary>
    [Range(1, 64)]
    public int Concurrency { get; set; } = 4;

    /// <summary>Rounds of <see cref="Concurrency"/> requests a pass claims at once: fewer claims and outcome writes per message, still well inside the lease.</summary>
    public const int RoundsPerPass = 4;

    /// <summary>The most messages one pass claims (it takes at least one entry).</summary>
    public int MessagesPerPass => BatchSize * Concurrency * RoundsPerPass;

    /// <summary>
    /// The most messages an outbox entry holds (the ingestion writer puts a commit's messages of an application in entries of
    /// at most this many): one request's worth, so an entry goes to Pendo as it is stored, without being cut or copied; with
    /// one message per request, a pass's worth.
    /// </summary>
    public int MessagesPerEntry => BatchSize == 1 ? MessagesPerPass : BatchSize;

    /// <summary>How often an idle forwarder looks for due messages (a local commit wakes it at once).</summary>
    [Range(50, 60_000)]
    public int PollMilliseconds { get; set; } = 1000;

    /// <summary>
    /// The shortest time between two passes over the outbox: under load, each pass then takes many commits' messages
    /// in one claim and marks them delivered in one write, instead of competing with ingestion for every commit.
    /// </summary>
    [Range(0, 10_000)]
    public int PassIntervalMilliseconds { get; set; } = 250;

    /// <summary>The first retry's delay; each next one doubles, up to <see cref="MaxBackoffSeconds"/>, with jitter.</summary>
    [Range(0.01, 3600)]
    public double InitialBackoffSeconds { get; set; } = 1;

    [Range(1, 86_400)]
    public double MaxBackoffSeconds { get; set; } = 600;

    /// <summary>A message still failing with retryable errors this long after it was queued goes to the dead letters.</summary>
    [Range(1, 24 * 30)]
    public double GiveUpAfterHours { get; set; } = 24;

    /// <summary>How long a claimed message stays reserved for the instance that claimed it.</summary>
    [Range(5, 3600)]
    public int LeaseSeconds { get; set; } = 60;

    [Range(1, 300)]
    public int RequestTimeoutSeconds { get; set; } = 30;

    /// <summary>The Dashboard warns when an application's oldest waiting message is older than this.</summary>
    [Range(1, 86_400 * 7)]
    public int WarnOldestWaitingSeconds { get; set; } = 300;

    /// <summary>Regions in display order: US, EU, then the configured ones (a configured name replaces a default).</summary>
    public IReadOnlyList<ForwardingRegion> AllRegions()
    {
        var all = PendoRegions.Where(d => !Regions.Any(r => string.Equals(r.Name, d.Name, StringComparison.OrdinalIgnoreCase))).ToList();
        all.AddRange(Regions);
        return all;
    }

    /// <summary>Why the options cannot be used, or null.</summary>
    public string? Validate()
    {
        foreach (var region in Regions)
        {
            if (string.IsNullOrWhiteSpace(region.Name)) return "Forwarding:Regions: every region needs a Name.";
            if (!Uri.TryCreate(region.BaseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || !string.IsNullOrEmpty(uri.Query))
                return $"Forwarding:Regions: the BaseUrl of region '{region.Name}' must be an absolute http(s) URL such as https://data.pendo.io.";
        }
        var duplicate = Regions.GroupBy(r => r.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) return $"Forwarding:Regions: region '{duplicate.Key}' is listed twice.";
        if (MaxBackoffSeconds < InitialBackoffSeconds) return "Forwarding:MaxBackoffSeconds cannot be less than Forwarding:InitialBackoffSeconds.";
        // A lease shorter than a request would let another pass claim a message still in flight.
        return LeaseSeconds <= RequestTimeoutSeconds ? "Forwarding:LeaseSeconds must be longer than Forwarding:RequestTimeoutSeconds." : null;
    }
}

public sealed class ForwardingRegion
{
    public string Name { get; set; } = "";

    /// <summary>The collector's address; messages go to <c>{BaseUrl}/data/segmentio/{pendo key}</c>.</summary>
    public string BaseUrl { get; set; } = "";

    public string UrlFor(string pendoKey) => BaseUrl.TrimEnd('/') + "/data/segmentio/" + Uri.EscapeDataString(pendoKey);
}
