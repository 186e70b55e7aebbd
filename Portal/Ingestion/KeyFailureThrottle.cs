using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Portal.Core.Ingestion;

namespace Portal.Ingestion;

/// <summary>
/// A token bucket of failed key look-ups per client address (Ingestion:UnrecognisedKeys): once it is empty
/// the address gets 429 instead of 401, so a scan of random keys stalls after a few tries. Only failures
/// draw from it; a working key is never slowed by it. IPv6 clients are bucketed by their /64, which one
/// host can fill with addresses.
/// </summary>
public sealed class KeyFailureThrottle : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public KeyFailureThrottle(IOptions<IngestionOptions> options)
    {
        var o = options.Value.UnrecognisedKeys;
        // Earned back smoothly rather than a minute's worth at once.
        var (tokens, period) = o.FailuresPerMinute >= 60
            ? (o.FailuresPerMinute / 60, TimeSpan.FromSeconds(1))
            : (1, TimeSpan.FromSeconds(60.0 / o.FailuresPerMinute));
        _limiter = PartitionedRateLimiter.Create<string, string>(client => RateLimitPartition.GetTokenBucketLimiter(client, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = o.FailuresPerClient,
            TokensPerPeriod = tokens,
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    /// <summary>Counts one failed look-up; false when the address has none left, with how long until it has.</summary>
    public bool TryFail(IPAddress? client, out TimeSpan retryAfter)
    {
        using var lease = _limiter.AttemptAcquire(Partition(client));
        retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        return lease.IsAcquired;
    }

    internal static string Partition(IPAddress? client)
    {
        if (client is null) return "none";
        if (client.IsIPv4MappedToIPv6) client = client.MapToIPv4();
        if (client.AddressFamily != AddressFamily.InterNetworkV6) return client.ToString();
        var bytes = client.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    public void Dispose() => _limiter.Dispose();
}
