using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Common;
using Portal.Core.Data;

namespace Portal.Core.Applications;

/// <summary>Creates and changes applications; every change is audited.</summary>
public sealed class ApplicationService(IDbContextFactory<PortalDbContext> contextFactory, AuditLog audit, TimeProvider time)
{
    public async Task<OperationResult<Application>> CreateAsync(string actor, string name, AppPlatform platform = AppPlatform.Web,
        string region = "US", string? description = null, CancellationToken cancellationToken = default)
    {
        name = name.Trim();
        if (name.Length is 0 or > 200) return OperationResult<Application>.Fail("Give the application a name of at most 200 characters.");
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var app = new Application { Name = name, Platform = platform, Region = region, Description = description, CreatedAt = time.GetUtcNow() };
        db.Applications.Add(app);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(actor, AuditActions.AppCreated, name, $"{platform}, {region}", cancellationToken);
        return OperationResult<Application>.Ok(app);
    }

}
