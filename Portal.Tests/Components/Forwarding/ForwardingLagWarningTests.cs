using Bunit;
using Microsoft.EntityFrameworkCore;
using Portal.Components.Pages.Forwarding;
using Portal.Core.Applications;
using Portal.Core.Data;
using Portal.Core.Forwarding;
using Portal.Core.Users;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Components.Forwarding;

public sealed class ForwardingLagWarningTests : PortalComponentTest
{
    [Fact]
    public async Task TheDashboardWarnsOnlyAboutApplicationsWhoseOldestWaitingMessageIsPastTheThreshold()
    {
        SignInAs("viewer@portal.test", PortalRoles.Viewer);
        var late = (await Admin<ApplicationService>().CreateAsync("Late shop")).Value!;
        var fresh = (await Admin<ApplicationService>().CreateAsync("Fresh shop")).Value!;
        foreach (var app in new[] { late, fresh })
            Assert.True((await Admin<ForwardingService>().EnableAsync(app.Id, "US", pendoKey: Guid.NewGuid().ToString())).Succeeded);
        var now = DateTimeOffset.UtcNow;
        await using (var db = await Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            // The default threshold is 5 minutes.
            db.ForwardingOutbox.AddRange(
                new OutboxEntry { ApplicationId = late.Id, MessageIds = OutboxBody.Ids(["a"]), Body = "[{}]"u8.ToArray(), EnqueuedAt = now.AddMinutes(-20), DueAt = now, LastError = "503 busy" },
                new OutboxEntry { ApplicationId = late.Id, MessageIds = OutboxBody.Ids(["b"]), Body = "[{}]"u8.ToArray(), EnqueuedAt = now.AddMinutes(-1), DueAt = now },
                new OutboxEntry { ApplicationId = fresh.Id, MessageIds = OutboxBody.Ids(["c"]), Body = "[{}]"u8.ToArray(), EnqueuedAt = now.AddMinutes(-1), DueAt = now });
            await db.SaveChangesAsync();
        }

        var cut = Render<ForwardingLagWarning>();

        var warning = Assert.Single(cut.FindAll("[data-testid=forwarding-lag]"));
        Assert.Contains("Late shop", warning.TextContent);
        Assert.Contains("20 minutes", warning.TextContent);
        Assert.Contains("2 messages waiting", warning.TextContent);
        Assert.Contains("503 busy", warning.TextContent);
    }
}
