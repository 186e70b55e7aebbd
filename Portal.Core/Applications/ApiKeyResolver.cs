using System.Collections.Frozen;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Data;

namespace Portal.Core.Applications;

/// <summary>What a presented key stands for, once it has been found active.</summary>
public sealed record ResolvedApiKey(Guid KeyId, Guid ApplicationId, string ApplicationName, string Hint, string? SigningSecret, DateTimeOffset? ExpiresAt);

/// <summary>
/// Resolves a presented key to its application on the ingestion hot path: a hash look-up in an
/// in-memory snapshot of the active keys. Changes made here invalidate it at once; changes made by
/// another instance (shared PostgreSQL) arrive within <see cref="ApiKeyOptions.CacheTtlSeconds"/>.
/// </summary>
public sealed class ApiKeyResolver(
    IDbContextFactory<PortalDbContext> contextFactory,
    ApiKeyProtector protector,
    IOptions<ApiKeyOptions> options,
    TimeProvider time,
    ILogger<ApiKeyResolver> logger)
{
    private readonly SemaphoreSlim _reload = new(1, 1);
    private volatile Snapshot? _snapshot;

    public async ValueTask<ResolvedApiKey?> ResolveAsync(string presentedKey, CancellationToken cancellationToken = default)
    {
        if (!ApiKeyFormat.IsWellFormed(presentedKey)) return null;
        var snapshot = await GetSnapshotAsync(cancellationToken);
        var hash = Convert.ToHexString(ApiKeyFormat.Hash(ApiKeyFormat.Normalize(presentedKey)));
        if (!snapshot.Keys.TryGetValue(hash, out var resolved)) return null;
        // Rotated keys expire while the snapshot is alive, so expiry is checked on every look-up.
        return resolved.ExpiresAt is { } expires && expires <= time.GetUtcNow() ? null : resolved;
    }

    /// <summary>Drops the snapshot; the next look-up reloads it. Call after any key or application change.</summary>
    public void Invalidate() => _snapshot = null;

    private async ValueTask<Snapshot> GetSnapshotAsync(CancellationToken cancellationToken)
    {
        var current = _snapshot;
        if (current is not null && current.LoadedAt + TimeSpan.FromSeconds(options.Value.CacheTtlSeconds) > time.GetUtcNow()) return current;

        await _reload.WaitAsync(cancellationToken);
        try
        {
            current = _snapshot;
            if (current is not null && current.LoadedAt + TimeSpan.FromSeconds(options.Value.CacheTtlSeconds) > time.GetUtcNow()) return current;
            current = await LoadAsync(cancellationToken);
            _snapshot = current;
            return current;
        }
        finally
        {
            _reload.Release();
        }
    }

    private async Task<Snapshot> LoadAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.ApiKeys.AsNoTracking()
            .Where(k => k.RevokedAt == null && k.Application!.ArchivedAt == null)
            .Select(k => new { k.Id, k.ApplicationId, k.Application!.Name, k.Hash, k.Hint, k.ExpiresAt, k.Application.ProtectedSigningSecret })
            .ToListAsync(cancellationToken);

        var keys = new Dictionary<string, ResolvedApiKey>(rows.Count);
        foreach (var row in rows)
        {
            if (row.ExpiresAt is { } expires && expires <= now) continue;
            string? secret = null;
            if (row.ProtectedSigningSecret is not null)
            {
                try { secret = protector.UnprotectSecret(row.ProtectedSigningSecret); }
                catch (System.Security.Cryptography.CryptographicException ex)
                {
                    // A lost key ring must not open the door: the key stays unresolvable until the secret is set again.
                    logger.LogError(ex, "Signing secret of application {ApplicationId} cannot be decrypted; its keys are refused", row.ApplicationId);
                    continue;
                }
            }
            keys[Convert.ToHexString(row.Hash)] = new ResolvedApiKey(row.Id, row.ApplicationId, row.Name, row.Hint, secret, row.ExpiresAt);
        }
        return new Snapshot(keys.ToFrozenDictionary(), now);
    }

    private sealed record Snapshot(FrozenDictionary<string, ResolvedApiKey> Keys, DateTimeOffset LoadedAt);
}
