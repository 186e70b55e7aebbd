namespace Portal.Core.Ingestion;

/// <summary>
/// Decides which accepted requests keep their raw body: at most the per-app sample size per minute,
/// so a flood writes few bodies; pruning then keeps only the most recent sample per app.
/// </summary>
internal sealed class RawBodySampler(int perApp)
{
    private readonly Dictionary<Guid, (long Minute, int Count)> _windows = [];

    public HashSet<Guid> SampledApps { get; } = [];

    public bool ShouldKeep(RequestWorkItem item, DateTimeOffset now)
    {
        if (perApp == 0 || item.Body.IsEmpty) return false;
        var minute = now.UtcTicks / TimeSpan.TicksPerMinute;
        var (windowMinute, count) = _windows.GetValueOrDefault(item.ApplicationId);
        if (windowMinute != minute) count = 0;
        if (count >= perApp) return false;
        _windows[item.ApplicationId] = (minute, count + 1);
        SampledApps.Add(item.ApplicationId);
        return true;
    }
}
