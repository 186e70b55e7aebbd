using System.Collections.Frozen;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Data;

namespace Portal.Core.Applications;

/// <summary>What a presented key stands for, once it has been found active.</summary>
public sealed record ResolvedApiKey(Guid KeyId, Guid ApplicationId, string ApplicationName, string Hint, string? SigningSecret, DateTimeOffset? ExpiresAt,
    bool SignatureCoversWholeBody = false, bool Forwards = false);

/// <summary>
/// The outcome of a look-up: the active key, or why the presented key is refused. A refused key Portal
/// knows (revoked, expired, of an archived application) names its application; an unknown one does not.
/// </summary>
public sealed record ApiKeyLookup(ResolvedApiKey? Key, Guid? ApplicationId, string? Hint, string Refusal)
{
    public static ApiKeyLookup Found(ResolvedApiKey key) => new(key, key.ApplicationId, key.Hint, "");

    /// <summary>Unknown or malformed: the hint is the presented key's last 4 characters when it has the key shape, never more.</summary>
    public static ApiKeyLookup Unknown(string? presented) =>
        new(null, null, ApiKeyFormat.IsWellFormed(presented) ? ApiKeyFormat.Hint(ApiKeyFormat.Normalize(presented!)) : null,
            ApiKeyFormat.IsWellFormed(presented) ? "Unknown API key." : "Malformed API key.");
}

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

    public async ValueTask<ResolvedApiKey?> ResolveAsync(string presentedKey, CancellationToken cancellationToken = default) =>
        (await LookupAsync(presentedKey, cancellationToken)).Key;

    /// <summary>Like <see cref="ResolveAsync"/>, and for a refused key says why and, when Portal knows the key, whose it is.</summary>
    public async ValueTask<ApiKeyLookup> LookupAsync(string? presentedKey, CancellationToken cancellationToken = default)
    {
        if (!ApiKeyFormat.IsWellFormed(presentedKey)) return ApiKeyLookup.Unknown(presentedKey);
        var snapshot = await GetSnapshotAsync(cancellationToken);
        var hash = Convert.ToHexString(ApiKeyFormat.Hash(ApiKeyFormat.Normalize(presentedKey!)));
        if (!snapshot.Keys.TryGetValue(hash, out var resolved))
            return snapshot.Refused.TryGetValue(hash, out var refused) ? refused : ApiKeyLookup.Unknown(presentedKey);
        // Rotated keys expire while the snapshot is alive, so expiry is checked on every look-up.
        return resolved.ExpiresAt is { } expires && expires <= time.GetUtcNow()
            ? new ApiKeyLookup(null, resolved.ApplicationId, resolved.Hint, Expired)
            : ApiKeyLookup.Found(resolved);
    }

    private const string Expired = "This API key has expired (it was rotated).";

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
        // Refused keys are kept too (hash, application and hint only), so their 401s land on their application's log.
        var rows = await db.ApiKeys.AsNoTracking()
            .Select(k => new
            {
                k.Id, k.ApplicationId, k.Application!.Name, k.Hash, k.Hint, k.ExpiresAt, k.RevokedAt, k.Application.ArchivedAt,
                k.Application.ProtectedSigningSecret, k.Application.SignatureCoversWholeBody,
                Forwards = db.ForwardingSettings.Any(f => f.ApplicationId == k.ApplicationId && f.Enabled),
            })
            .ToListAsync(cancellationToken);

        var keys = new Dictionary<string, ResolvedApiKey>(rows.Count);
        var refused = new Dictionary<string, ApiKeyLookup>();
        foreach (var row in rows)
        {
            var refusal = row.RevokedAt is not null ? "This API key was revoked."
                : row.ArchivedAt is not null ? "This API key's application is archived."
                : row.ExpiresAt is { } expires && expires <= now ? Expired
                : null;
            if (refusal is not null)
            {
                refused[Convert.ToHexString(row.Hash)] = new ApiKeyLookup(null, row.ApplicationId, row.Hint, refusal);
                continue;
            }
            string? secret = null;
            if (row.ProtectedSigningSecret is not null)
            {
                try { secret = protector.UnprotectSecret(row.ProtectedSigningSecret); }
                catch (System.Security.Cryptography.CryptographicException ex)
                {
                    // A lost key ring must not open the door: the key stays unresolvable until the secret is set again.
                    logger.LogError(ex, "Signing secret of application {ApplicationId} cannot be decrypted; its keys are refused", row.ApplicationId);
                    refused[Convert.ToHexString(row.Hash)] = new ApiKeyLookup(null, row.ApplicationId, row.Hint,
                        "The application's signing secret cannot be decrypted; an Admin must set it again.");
                    continue;
                }
            }
            keys[Convert.ToHexString(row.Hash)] = new ResolvedApiKey(row.Id, row.ApplicationId, row.Name, row.Hint, secret, row.ExpiresAt,
                row.SignatureCoversWholeBody, row.Forwards);
        }
        return new Snapshot(keys.ToFrozenDictionary(), refused.ToFrozenDictionary(), now);
    }

    private sealed record Snapshot(FrozenDictionary<string, ResolvedApiKey> Keys, FrozenDictionary<string, ApiKeyLookup> Refused, DateTimeOffset LoadedAt);
}
