using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Security;

namespace Portal.Core.Applications;

/// <summary>Creates and changes applications. Every change is the acting Admin's, audited, and refreshes the key resolver.</summary>
public sealed class ApplicationService(
    ICurrentUser currentUser,
    IDbContextFactory<PortalDbContext> contextFactory,
    AuditLog audit,
    TimeProvider time,
    ApiKeyResolver resolver,
    ApiKeyProtector protector,
    WebhookUrlBuilder regions)
{
    public const int MaxNameLength = 200;
    public const int MaxDescriptionLength = 2000;
    public const int MaxSigningSecretLength = 1024;

    public async Task<OperationResult<Application>> CreateAsync(string name, AppPlatform platform = AppPlatform.Web,
        string region = "US", string? description = null, CancellationToken cancellationToken = default)
    {
        if (await currentUser.AdminAsync(cancellationToken) is not { } actor) return OperationResult<Application>.Fail(CurrentUserExtensions.AdminOnly);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var error = await CheckAsync(db, null, ref name, ref region, ref description, cancellationToken);
        if (error is not null) return OperationResult<Application>.Fail(error);

        var app = new Application { Name = name, Platform = platform, Region = region, Description = description, CreatedAt = time.GetUtcNow() };
        db.Applications.Add(app);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(actor.Name, AuditActions.AppCreated, name, $"{platform}, {region}", cancellationToken);
        return OperationResult<Application>.Ok(app);
    }

    public async Task<IReadOnlyList<ApplicationSummary>> ListAsync(bool includeArchived = false, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var apps = await Project(Listed(db, includeArchived), time.GetUtcNow()).ToListAsync(cancellationToken);
        return apps.OrderBy(a => a.Name, StringComparer.OrdinalIgnoreCase).ToList();
    }

    /// <summary>Names only, for the application picker on every browse page (the summary's key count is a query of its own).</summary>
    public async Task<IReadOnlyList<ApplicationChoice>> ListChoicesAsync(bool includeArchived = false, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var apps = await Listed(db, includeArchived).Select(a => new ApplicationChoice(a.Id, a.Name, a.ArchivedAt != null)).ToListAsync(cancellationToken);
        return apps.OrderBy(a => a.Name, StringComparer.OrdinalIgnoreCase).ToList();
    }

    /// <summary>The applications a list shows: active ones, and archived ones too when asked.</summary>
    private static IQueryable<Application> Listed(PortalDbContext db, bool includeArchived)
    {
        var query = db.Applications.AsNoTracking();
        return includeArchived ? query : query.Where(a => a.ArchivedAt == null);
    }

    public async Task<ApplicationSummary?> GetAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await Project(db.Applications.AsNoTracking().Where(a => a.Id == id), time.GetUtcNow()).SingleOrDefaultAsync(cancellationToken);
    }

    /// <summary>Finds an application by id or by name (case-insensitive), as the command line names them.</summary>
    public async Task<OperationResult<ApplicationSummary>> FindAsync(string nameOrId, CancellationToken cancellationToken = default)
    {
        nameOrId = nameOrId.Trim();
        if (Guid.TryParse(nameOrId, out var id))
        {
            var byId = await GetAsync(id, cancellationToken);
            if (byId is not null) return OperationResult<ApplicationSummary>.Ok(byId);
        }
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var lowered = nameOrId.ToLowerInvariant();
        var matches = await Project(db.Applications.AsNoTracking().Where(a => a.Name.ToLower() == lowered), time.GetUtcNow())
            .ToListAsync(cancellationToken);
        return matches.Count switch
        {
            1 => OperationResult<ApplicationSummary>.Ok(matches[0]),
            0 => OperationResult<ApplicationSummary>.Fail($"No application is named or has the id '{nameOrId}'."),
            _ => OperationResult<ApplicationSummary>.Fail($"Several applications are named '{nameOrId}': give its id instead."),
        };
    }

    public async Task<OperationResult> EditAsync(Guid id, string name, AppPlatform platform, string region, string? description,
        CancellationToken cancellationToken = default)
    {
        if (await currentUser.AdminAsync(cancellationToken) is not { } actor) return OperationResult.Fail(CurrentUserExtensions.AdminOnly);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var app = await db.Applications.FindAsync([id], cancellationToken);
        if (app is null) return OperationResult.Fail("That application does not exist.");
        var error = await CheckAsync(db, id, ref name, ref region, ref description, cancellationToken);
        if (error is not null) return OperationResult.Fail(error);

        var renamed = app.Name != name;
        var before = app.Name;
        app.Name = name;
        app.Platform = platform;
        app.Region = region;
        app.Description = description;
        await db.SaveChangesAsync(cancellationToken);
        // The resolver hands out the application's name with each key.
        resolver.Invalidate();
        await audit.RecordAsync(actor.Name, AuditActions.AppEdited, name,
            renamed ? $"renamed from {before}; {platform}, {region}" : $"{platform}, {region}", cancellationToken);
        return OperationResult.Success;
    }

    /// <summary>Archives an application: its keys stop being accepted at once; its data stays.</summary>
    public Task<OperationResult> ArchiveAsync(Guid id, CancellationToken cancellationToken = default) =>
        SetArchivedAsync(id, true, cancellationToken);

    public Task<OperationResult> RestoreAsync(Guid id, CancellationToken cancellationToken = default) =>
        SetArchivedAsync(id, false, cancellationToken);

    /// <summary>
    /// Sets (or, with null or blank, clears) the secret Segment signs webhook bodies with. Stored encrypted;
    /// ingestion then verifies <c>X-Signature</c> with it.
    /// </summary>
    public async Task<OperationResult> SetSigningSecretAsync(Guid id, string? secret, CancellationToken cancellationToken = default)
    {
        if (await currentUser.AdminAsync(cancellationToken) is not { } actor) return OperationResult.Fail(CurrentUserExtensions.AdminOnly);
        secret = string.IsNullOrWhiteSpace(secret) ? null : secret.Trim();
        if (secret is { Length: > MaxSigningSecretLength }) return OperationResult.Fail($"A signing secret has at most {MaxSigningSecretLength} characters.");
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var app = await db.Applications.FindAsync([id], cancellationToken);
        if (app is null) return OperationResult.Fail("That application does not exist.");
        app.ProtectedSigningSecret = secret is null ? null : protector.ProtectSecret(secret);
        await db.SaveChangesAsync(cancellationToken);
        resolver.Invalidate();
        await audit.RecordAsync(actor.Name, AuditActions.AppEdited, app.Name, secret is null ? "signing secret cleared" : "signing secret set", cancellationToken);
        return OperationResult.Success;
    }

    /// <summary>
    /// Strict signing on or off. Strict: <c>X-Signature</c> must cover the whole body, for senders that sign whole
    /// bodies. Off: Segment's rule (a bare array is signed by its first element only, so the rest of a batch is unauthenticated).
    /// </summary>
    public async Task<OperationResult> SetStrictSigningAsync(Guid id, bool strict, CancellationToken cancellationToken = default)
    {
        if (await currentUser.AdminAsync(cancellationToken) is not { } actor) return OperationResult.Fail(CurrentUserExtensions.AdminOnly);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var app = await db.Applications.FindAsync([id], cancellationToken);
        if (app is null) return OperationResult.Fail("That application does not exist.");
        if (app.SignatureCoversWholeBody == strict) return OperationResult.Success;
        app.SignatureCoversWholeBody = strict;
        await db.SaveChangesAsync(cancellationToken);
        resolver.Invalidate();
        await audit.RecordAsync(actor.Name, AuditActions.AppEdited, app.Name,
            strict ? "strict signing on: signatures must cover the whole body" : "strict signing off: Segment's first-element rule", cancellationToken);
        return OperationResult.Success;
    }

    private async Task<OperationResult> SetArchivedAsync(Guid id, bool archived, CancellationToken cancellationToken)
    {
        if (await currentUser.AdminAsync(cancellationToken) is not { } actor) return OperationResult.Fail(CurrentUserExtensions.AdminOnly);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var app = await db.Applications.FindAsync([id], cancellationToken);
        if (app is null) return OperationResult.Fail("That application does not exist.");
        if (app.IsArchived == archived) return OperationResult.Success;
        app.ArchivedAt = archived ? time.GetUtcNow() : null;
        await db.SaveChangesAsync(cancellationToken);
        resolver.Invalidate();
        await audit.RecordAsync(actor.Name, archived ? AuditActions.AppArchived : AuditActions.AppRestored, app.Name, null, cancellationToken);
        return OperationResult.Success;
    }

    private string? CheckFields(ref string name, ref string region, ref string? description)
    {
        name = (name ?? "").Trim();
        if (name.Length is 0 or > MaxNameLength) return $"Give the application a name of at most {MaxNameLength} characters.";
        var known = regions.FindRegion(region?.Trim());
        if (known is null) return $"Unknown region '{region}'. Use {string.Join(" or ", regions.RegionNames)}.";
        region = known;
        description = string.IsNullOrWhiteSpace(description) ? null : description.Trim();
        if (description is { Length: > MaxDescriptionLength }) return $"A description has at most {MaxDescriptionLength} characters.";
        return null;
    }

    private Task<string?> CheckAsync(PortalDbContext db, Guid? self, ref string name, ref string region, ref string? description,
        CancellationToken cancellationToken)
    {
        var error = CheckFields(ref name, ref region, ref description);
        return error is not null ? Task.FromResult<string?>(error) : CheckNameFreeAsync(db, self, name, cancellationToken);
    }

    // Names are how people (and the command line) tell applications apart, so they are unique.
    private static async Task<string?> CheckNameFreeAsync(PortalDbContext db, Guid? self, string name, CancellationToken cancellationToken)
    {
        var lowered = name.ToLowerInvariant();
        var taken = await db.Applications.AnyAsync(a => a.Name.ToLower() == lowered && a.Id != self, cancellationToken);
        return taken ? $"An application named '{name}' already exists." : null;
    }

    private static IQueryable<ApplicationSummary> Project(IQueryable<Application> query, DateTimeOffset now) =>
        query.Select(a => new ApplicationSummary(
            a.Id, a.Name, a.Platform, a.Region, a.Description, a.CreatedAt, a.ArchivedAt,
            a.Keys.Count(k => k.RevokedAt == null && (k.ExpiresAt == null || k.ExpiresAt > now)),
            a.ProtectedSigningSecret != null,
            a.SignatureCoversWholeBody));
}
