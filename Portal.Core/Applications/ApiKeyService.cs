using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Security;

namespace Portal.Core.Applications;

/// <summary>A newly issued key: the only moment its full value is handed out without a reveal.</summary>
public sealed record IssuedApiKey(Guid KeyId, Guid ApplicationId, string Key, string Hint, ApiKeyOrigin Origin);

/// <summary>
/// Issues and manages API keys. Values are stored hashed and encrypted, never in plain text; audit
/// entries name keys by hint only; every change refreshes the <see cref="ApiKeyResolver"/>.
/// </summary>
public sealed class ApiKeyService(
    ICurrentUser currentUser,
    IDbContextFactory<PortalDbContext> contextFactory,
    ApiKeyProtector protector,
    ApiKeyResolver resolver,
    AuditLog audit,
    TimeProvider time,
    IOptions<ApiKeyOptions> options)
{
    public const int MaxLabelLength = 200;

    public async Task<OperationResult<IssuedApiKey>> GenerateAsync(Guid applicationId, string? label = null, CancellationToken cancellationToken = default)
    {
        if (await currentUser.AdminAsync(cancellationToken) is not { } actor) return OperationResult<IssuedApiKey>.Fail(CurrentUserExtensions.AdminOnly);
        if (label is { Length: > MaxLabelLength }) return OperationResult<IssuedApiKey>.Fail($"A label has at most {MaxLabelLength} characters.");
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var app = await db.Applications.FindAsync([applicationId], cancellationToken);
        if (app is null) return OperationResult<IssuedApiKey>.Fail("That application does not exist.");
        if (app.IsArchived) return OperationResult<IssuedApiKey>.Fail("The application is archived: restore it first.");

        var value = ApiKeyFormat.Generate();
        var key = NewKey(applicationId, value, label, ApiKeyOrigin.Generated, actor.Name);
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync(cancellationToken);
        resolver.Invalidate();
        await audit.RecordAsync(actor.Name, AuditActions.KeyGenerated, Target(app.Name, key.Hint), key.Label, cancellationToken);
        return OperationResult<IssuedApiKey>.Ok(new IssuedApiKey(key.Id, applicationId, value, key.Hint, ApiKeyOrigin.Generated));
    }

    /// <summary>Takes over an existing Pendo key so Segment's configuration keeps working; a key Portal already holds is refused.</summary>
    public async Task<OperationResult<IssuedApiKey>> ImportAsync(Guid applicationId, string presentedKey, string? label = null,
        CancellationToken cancellationToken = default)
    {
        if (await currentUser.AdminAsync(cancellationToken) is not { } actor) return OperationResult<IssuedApiKey>.Fail(CurrentUserExtensions.AdminOnly);
        var value = ApiKeyFormat.Normalize(presentedKey ?? "");
        if (!ApiKeyFormat.IsWellFormed(value)) return OperationResult<IssuedApiKey>.Fail(NotAPendoKey);
        if (label is { Length: > MaxLabelLength }) return OperationResult<IssuedApiKey>.Fail($"A label has at most {MaxLabelLength} characters.");

        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var app = await db.Applications.FindAsync([applicationId], cancellationToken);
        if (app is null) return OperationResult<IssuedApiKey>.Fail("That application does not exist.");
        if (app.IsArchived) return OperationResult<IssuedApiKey>.Fail("The application is archived: restore it first.");

        if (await KnownAsync(db, value, cancellationToken) is { } duplicate) return duplicate;

        var key = NewKey(applicationId, value, label, ApiKeyOrigin.Imported, actor.Name);
        db.ApiKeys.Add(key);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Someone imported the same key between the check and the insert: the unique hash index refused it.
            return Duplicate(null, value);
        }
        resolver.Invalidate();
        await audit.RecordAsync(actor.Name, AuditActions.KeyImported, Target(app.Name, key.Hint), key.Label, cancellationToken);
        return OperationResult<IssuedApiKey>.Ok(new IssuedApiKey(key.Id, applicationId, value, key.Hint, ApiKeyOrigin.Imported));
    }

    public async Task<OperationResult> LabelAsync(Guid keyId, string? label, CancellationToken cancellationToken = default)
    {
        if (await currentUser.AdminAsync(cancellationToken) is not { } actor) return OperationResult.Fail(CurrentUserExtensions.AdminOnly);
        label = string.IsNullOrWhiteSpace(label) ? null : label.Trim();
        if (label is { Length: > MaxLabelLength }) return OperationResult.Fail($"A label has at most {MaxLabelLength} characters.");
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var key = await db.ApiKeys.Include(k => k.Application).SingleOrDefaultAsync(k => k.Id == keyId, cancellationToken);
        if (key is null) return OperationResult.Fail("That key does not exist.");
        key.Label = label;
        await db.SaveChangesAsync(cancellationToken);
        resolver.Invalidate();
        await audit.RecordAsync(actor.Name, AuditActions.KeyLabelled, Target(key.Application!.Name, key.Hint), label ?? "label cleared", cancellationToken);
        return OperationResult.Success;
    }

    /// <summary>
    /// Replaces a key (same label) and lets the old one keep working for <see cref="ApiKeyOptions.RotationGraceDays"/>,
    /// so Segment can be switched over without losing events. A Portal key is replaced by a newly generated one; a
    /// Pendo key only by the new key Pendo issued (<paramref name="newPendoKey"/>), since Pendo would refuse any other.
    /// </summary>
    public async Task<OperationResult<IssuedApiKey>> RotateAsync(Guid keyId, string? newPendoKey = null, CancellationToken cancellationToken = default)
    {
        if (await currentUser.AdminAsync(cancellationToken) is not { } actor) return OperationResult<IssuedApiKey>.Fail(CurrentUserExtensions.AdminOnly);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var old = await db.ApiKeys.Include(k => k.Application).SingleOrDefaultAsync(k => k.Id == keyId, cancellationToken);
        if (old is null) return OperationResult<IssuedApiKey>.Fail("That key does not exist.");
        var now = time.GetUtcNow();
        if (old.RevokedAt is not null) return OperationResult<IssuedApiKey>.Fail("That key is revoked; generate a new key instead.");
        if (old.ReplacedByKeyId is not null || !old.IsActiveAt(now)) return OperationResult<IssuedApiKey>.Fail("That key has already been rotated.");
        if (old.Application!.IsArchived) return OperationResult<IssuedApiKey>.Fail("The application is archived: restore it first.");

        string value;
        if (old.Origin == ApiKeyOrigin.Imported)
        {
            if (string.IsNullOrWhiteSpace(newPendoKey))
                return OperationResult<IssuedApiKey>.Fail("This is a Pendo key: give the new key Pendo issued (Portal cannot make one Pendo accepts).");
            value = ApiKeyFormat.Normalize(newPendoKey);
            if (!ApiKeyFormat.IsWellFormed(value)) return OperationResult<IssuedApiKey>.Fail(NotAPendoKey);
            if (await KnownAsync(db, value, cancellationToken) is { } duplicate) return duplicate;
        }
        else
        {
            if (!string.IsNullOrWhiteSpace(newPendoKey))
                return OperationResult<IssuedApiKey>.Fail("This is a Portal key: its replacement is generated. Import a Pendo key instead.");
            value = ApiKeyFormat.Generate();
        }
        var replacement = NewKey(old.ApplicationId, value, old.Label, old.Origin, actor.Name);
        db.ApiKeys.Add(replacement);
        old.ExpiresAt = now.AddDays(options.Value.RotationGraceDays);
        old.ReplacedByKeyId = replacement.Id;
        await db.SaveChangesAsync(cancellationToken);
        resolver.Invalidate();
        await audit.RecordAsync(actor.Name, AuditActions.KeyRotated, Target(old.Application.Name, old.Hint),
            $"replaced by …{replacement.Hint}; old key expires {old.ExpiresAt:u}", cancellationToken);
        return OperationResult<IssuedApiKey>.Ok(new IssuedApiKey(replacement.Id, old.ApplicationId, value, replacement.Hint, replacement.Origin));
    }

    /// <summary>Stops a key at once, grace period or not.</summary>
    public async Task<OperationResult> RevokeAsync(Guid keyId, CancellationToken cancellationToken = default)
    {
        if (await currentUser.AdminAsync(cancellationToken) is not { } actor) return OperationResult.Fail(CurrentUserExtensions.AdminOnly);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var key = await db.ApiKeys.Include(k => k.Application).SingleOrDefaultAsync(k => k.Id == keyId, cancellationToken);
        if (key is null) return OperationResult.Fail("That key does not exist.");
        if (key.RevokedAt is not null) return OperationResult.Fail("That key is already revoked.");
        key.RevokedAt = time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        resolver.Invalidate();
        await audit.RecordAsync(actor.Name, AuditActions.KeyRevoked, Target(key.Application!.Name, key.Hint), key.Label, cancellationToken);
        return OperationResult.Success;
    }

    /// <summary>Decrypts a key for an Admin. Refused for anyone else; every reveal is audited.</summary>
    public async Task<OperationResult<string>> RevealAsync(Guid keyId, CancellationToken cancellationToken = default)
    {
        if (await currentUser.AdminAsync(cancellationToken) is not { } actor) return OperationResult<string>.Fail("Only Admins can reveal API keys.");
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var key = await db.ApiKeys.AsNoTracking().Where(k => k.Id == keyId)
            .Select(k => new { k.ProtectedValue, k.Hint, AppName = k.Application!.Name }).SingleOrDefaultAsync(cancellationToken);
        if (key is null) return OperationResult<string>.Fail("That key does not exist.");
        string value;
        try
        {
            value = protector.UnprotectKey(key.ProtectedValue);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return OperationResult<string>.Fail("The key cannot be decrypted: the Data Protection key ring that encrypted it is missing.");
        }
        await audit.RecordAsync(actor.Name, AuditActions.KeyRevealed, Target(key.AppName, key.Hint), null, cancellationToken);
        return OperationResult<string>.Ok(value);
    }

    /// <summary>The keys of an application, newest first, masked.</summary>
    public async Task<IReadOnlyList<ApiKeySummary>> ListAsync(Guid applicationId, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await SummariesAsync(db.ApiKeys.Where(k => k.ApplicationId == applicationId), cancellationToken);
    }

    public async Task<ApiKeySummary?> GetAsync(Guid keyId, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return (await SummariesAsync(db.ApiKeys.Where(k => k.Id == keyId), cancellationToken)).SingleOrDefault();
    }

    /// <summary>Keys whose last four characters are <paramref name="hint"/> (how the command line names a key without its value).</summary>
    public async Task<IReadOnlyList<ApiKeySummary>> FindByHintAsync(string hint, CancellationToken cancellationToken = default)
    {
        hint = hint.Trim().TrimStart('…', '.').ToLowerInvariant();
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await SummariesAsync(db.ApiKeys.Where(k => k.Hint == hint), cancellationToken);
    }

    private async Task<IReadOnlyList<ApiKeySummary>> SummariesAsync(IQueryable<ApiKey> query, CancellationToken cancellationToken)
    {
        var rows = await query.AsNoTracking()
            .Select(k => new
            {
                k.Id, k.ApplicationId, AppName = k.Application!.Name, k.Label, k.Hint, k.Origin, k.CreatedBy, k.CreatedAt,
                k.LastUsedAt, k.RevokedAt, k.ExpiresAt, k.ReplacedByKeyId,
            })
            .ToListAsync(cancellationToken);
        var now = time.GetUtcNow();
        return rows
            .OrderByDescending(k => k.CreatedAt)
            .Select(k => new ApiKeySummary(k.Id, k.ApplicationId, k.AppName, k.Label, k.Hint, k.Origin, k.CreatedBy, k.CreatedAt,
                k.LastUsedAt, k.RevokedAt, k.ExpiresAt, k.ReplacedByKeyId, StatusAt(k.RevokedAt, k.ExpiresAt, now)))
            .ToList();
    }

    private static ApiKeyStatus StatusAt(DateTimeOffset? revokedAt, DateTimeOffset? expiresAt, DateTimeOffset now) =>
        revokedAt is not null ? ApiKeyStatus.Revoked
        : expiresAt is null ? ApiKeyStatus.Active
        : expiresAt > now ? ApiKeyStatus.Expiring
        : ApiKeyStatus.Expired;

    private const string NotAPendoKey =
        "That is not a Pendo API key: expected 36 characters like xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (hex digits and dashes).";

    /// <summary>The refusal for a key Portal already holds, or null when it is new.</summary>
    private static async Task<OperationResult<IssuedApiKey>?> KnownAsync(PortalDbContext db, string value, CancellationToken cancellationToken)
    {
        var hash = ApiKeyFormat.Hash(value);
        var known = await db.ApiKeys.AsNoTracking().Where(k => k.Hash == hash)
            .Select(k => new { AppName = k.Application!.Name }).FirstOrDefaultAsync(cancellationToken);
        return known is null ? null : Duplicate(known.AppName, value);
    }

    private static OperationResult<IssuedApiKey> Duplicate(string? appName, string value) => OperationResult<IssuedApiKey>.Fail(
        appName is null
            ? $"The key …{ApiKeyFormat.Hint(value)} is already known to Portal."
            : $"The key …{ApiKeyFormat.Hint(value)} is already known to Portal (application '{appName}').");

    /// <summary>How audit entries name a key: its application and hint, never its value.</summary>
    private static string Target(string appName, string hint) => $"{appName} …{hint}";

    private ApiKey NewKey(Guid applicationId, string value, string? label, ApiKeyOrigin origin, string actor) => new()
    {
        ApplicationId = applicationId,
        Label = string.IsNullOrWhiteSpace(label) ? null : label.Trim(),
        Hash = ApiKeyFormat.Hash(value),
        Hint = ApiKeyFormat.Hint(value),
        ProtectedValue = protector.ProtectKey(value),
        Origin = origin,
        CreatedBy = actor,
        CreatedAt = time.GetUtcNow(),
    };
}
