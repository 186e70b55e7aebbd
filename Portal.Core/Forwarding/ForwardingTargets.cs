using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Applications;
using Portal.Core.Data;

namespace Portal.Core.Forwarding;

/// <summary>Where one application's messages go: its region's collector and the Pendo key, decrypted only in memory.</summary>
public sealed record ForwardingTarget(Guid ApplicationId, string Region, Uri Url);

/// <summary>Reads the applications that forward now and builds their targets from configured regions only.</summary>
public sealed partial class ForwardingTargets(
    IDbContextFactory<PortalDbContext> contextFactory,
    ApiKeyProtector protector,
    IOptions<ForwardingOptions> options,
    ILogger<ForwardingTargets> logger)
{
    public IReadOnlyList<ForwardingRegion> Regions => options.Value.AllRegions();

    public ForwardingRegion? FindRegion(string? name) =>
        Regions.FirstOrDefault(r => string.Equals(r.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase));

    public async Task<IReadOnlyList<ForwardingTarget>> LoadAsync(CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.ForwardingSettings.AsNoTracking().Where(f => f.Enabled).ToListAsync(cancellationToken);
        var targets = new List<ForwardingTarget>(rows.Count);
        foreach (var row in rows)
        {
            if (FindRegion(row.Region) is not { } region)
            {
                LogUnknownRegion(logger, row.ApplicationId, row.Region);
                continue;
            }
            string key;
            try { key = protector.UnprotectKey(row.ProtectedPendoKey); }
            catch (System.Security.Cryptography.CryptographicException ex)
            {
                LogKeyUnreadable(logger, ex, row.ApplicationId);
                continue;
            }
            targets.Add(new ForwardingTarget(row.ApplicationId, region.Name, new Uri(region.UrlFor(key))));
        }
        return targets;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Application {ApplicationId} forwards to region {Region}, which is no longer configured; its messages wait")]
    private static partial void LogUnknownRegion(ILogger logger, Guid applicationId, string region);

    [LoggerMessage(Level = LogLevel.Error, Message = "The Pendo key of application {ApplicationId} cannot be decrypted (key ring missing?); its messages wait until an Admin sets forwarding again")]
    private static partial void LogKeyUnreadable(ILogger logger, Exception exception, Guid applicationId);
}
