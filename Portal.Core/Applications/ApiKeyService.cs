using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Data;

namespace Portal.Core.Applications;

/// <summary>A newly issued key: the only moment its full value is handed out without a reveal.</summary>
public sealed record IssuedApiKey(Guid KeyId, Guid ApplicationId, string Key, string Hint);

/// <summary>Issues and manages API keys. Values are stored hashed and encrypted, never in plain text.</summary>
public sealed class ApiKeyService(
    IDbContextFactory<PortalDbContext> contextFactory,
    ApiKeyProtector protector,
    ApiKeyResolver resolver,
    AuditLog audit,
    TimeProvider time)
{
    public async Task<OperationResult<IssuedApiKey>> GenerateAsync(string actor, Guid applicationId, string? label = null, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var app = await db.Applications.FindAsync([applicationId], cancellationToken);
        if (app is null) return OperationResult<IssuedApiKey>.Fail("That application does not exist.");
        if (app.IsArchived) return OperationResult<IssuedApiKey>.Fail("The application is archived: restore it first.");

        var value = ApiKeyFormat.Generate();
        var key = NewKey(applicationId, value, label, ApiKeyOrigin.Generated, actor);
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync(cancellationToken);
        resolver.Invalidate();
        await audit.RecordAsync(actor, AuditActions.KeyGenerated, $"{app.Name} …{key.Hint}", label, cancellationToken);
        return OperationResult<IssuedApiKey>.Ok(new IssuedApiKey(key.Id, applicationId, value, key.Hint));
    }

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
