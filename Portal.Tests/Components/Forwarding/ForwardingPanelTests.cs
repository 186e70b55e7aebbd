using Bunit;
using Microsoft.EntityFrameworkCore;
using Portal.Components.Pages.Forwarding;
using Portal.Core.Applications;
using Portal.Core.Data;
using Portal.Core.Forwarding;
using Portal.Core.Users;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Components.Forwarding;

public sealed class ForwardingPanelTests : PortalComponentTest
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private async Task<ApplicationSummary> AppAsync()
    {
        var id = (await Admin<ApplicationService>().CreateAsync("Shop", region: "EU")).Value!.Id;
        return (await Admin<ApplicationService>().GetAsync(id))!;
    }

    private async Task SignInAdminAsync()
    {
        SignInAs("admin@portal.test", PortalRoles.Admin);
        await CreateUserAsync("admin@portal.test", PortalRoles.Admin);
        RenderProviders();
    }

    private async Task AddOutboxAsync(Guid appId, params OutboxEntry[] messages)
    {
        await using var db = await Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        foreach (var m in messages) m.ApplicationId = appId;
        db.ForwardingOutbox.AddRange(messages);
        await db.SaveChangesAsync();
    }

    private async Task AddDeliveriesAsync(Guid appId, params (DateTimeOffset At, int Count)[] passes)
    {
        await using var db = await Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        db.ForwardingDeliveries.AddRange(passes.Select(p => new ForwardingDelivery { ApplicationId = appId, DeliveredAt = p.At, Count = p.Count }));
        await db.SaveChangesAsync();
    }

    private async Task<ForwardingSettings?> SettingsAsync(Guid appId)
    {
        await using var db = await Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        return await db.ForwardingSettings.AsNoTracking().SingleOrDefaultAsync(f => f.ApplicationId == appId);
    }

    [Fact]
    public async Task AnAdminTurnsForwardingOnWithTheAppsPendoKeyAndOffAgain()
    {
        await SignInAdminAsync();
        var app = await AppAsync();
        var pendoKey = Guid.NewGuid().ToString();
        await Admin<ApiKeyService>().ImportAsync(app.Id, pendoKey);
        var cut = Render<ForwardingPanel>(p => p.Add(c => c.App, app).Add(c => c.IsAdmin, true));
        Assert.Contains("Off", cut.Find("[data-testid=forwarding-state]").TextContent);

        await cut.InvokeAsync(() => cut.Find("button[data-testid=forwarding-on]").Click());

        cut.WaitForAssertion(() => Assert.Contains($"On: forwarding to Pendo EU with Pendo key …{pendoKey[^4..]}", cut.Find("[data-testid=forwarding-state]").TextContent), Wait);
        Assert.True((await SettingsAsync(app.Id))!.Enabled);
        Assert.DoesNotContain(pendoKey, cut.Markup);

        await cut.InvokeAsync(() => cut.Find("button[data-testid=forwarding-off]").Click());

        cut.WaitForAssertion(() => Assert.StartsWith("Off", cut.Find("[data-testid=forwarding-state]").TextContent.Trim()), Wait);
        Assert.False((await SettingsAsync(app.Id))!.Enabled);
    }

    [Fact]
    public async Task TheTabShowsWhatWaitsWhatWasDeliveredTheOldestAgeAndTheLastError()
    {
        SignInAs("viewer@portal.test", PortalRoles.Viewer);
        var app = await AppAsync();
        var now = DateTimeOffset.UtcNow;
        await AddOutboxAsync(app.Id,
            new OutboxEntry { MessageIds = OutboxBody.Ids(["w1"]), Body = "[{}]"u8.ToArray(), EnqueuedAt = now.AddMinutes(-10), DueAt = now.AddMinutes(1), Attempts = 3, LastStatus = 503, LastError = "503 down for maintenance" },
            new OutboxEntry { MessageIds = OutboxBody.Ids(["w2"]), Body = "[{}]"u8.ToArray(), EnqueuedAt = now.AddMinutes(-2), DueAt = now },
            new OutboxEntry { MessageIds = OutboxBody.Ids(["w3"]), Body = "[{}]"u8.ToArray(), EnqueuedAt = now.AddMinutes(-1), DueAt = now },
            new OutboxEntry { MessageIds = OutboxBody.Ids(["x1"]), State = OutboxState.Dead, EnqueuedAt = now.AddMinutes(-5), DueAt = now.AddMinutes(-4), LastStatus = 400, LastError = "400 bad visitor" });
        // Two passes delivered in the last minute, one earlier in the hour.
        await AddDeliveriesAsync(app.Id, (now.AddSeconds(-20), 1), (now.AddSeconds(-10), 1), (now.AddMinutes(-30), 5));

        var cut = Render<ForwardingPanel>(p => p.Add(c => c.App, app));

        Assert.Contains("3", cut.Find("[data-testid=fwd-waiting]").TextContent);
        Assert.Contains("2", cut.Find("[data-testid=fwd-delivered]").TextContent);
        Assert.Contains("7 messages in the last hour", cut.Find("[data-testid=fwd-delivered]").TextContent);
        Assert.Contains("10 minutes", cut.Find("[data-testid=fwd-oldest]").TextContent);
        Assert.Contains("1", cut.Find("[data-testid=fwd-dead]").TextContent);
        Assert.Contains("503 down for maintenance", cut.Find("[data-testid=fwd-last-error]").TextContent);
        Assert.Contains("400 bad visitor", Assert.Single(cut.FindAll("[data-testid=dead-letter]")).TextContent);
        // A Viewer sees, and changes nothing.
        Assert.Empty(cut.FindAll("[data-testid=retry]"));
        Assert.Empty(cut.FindAll("[data-testid=forwarding-on]"));
    }

    [Fact]
    public async Task AnAdminRetriesOneDeadLetterAndDiscardsAnother()
    {
        await SignInAdminAsync();
        var app = await AppAsync();
        var now = DateTimeOffset.UtcNow;
        await AddOutboxAsync(app.Id,
            new OutboxEntry { MessageIds = OutboxBody.Ids(["first"]), Body = "[{}]"u8.ToArray(), State = OutboxState.Dead, EnqueuedAt = now, DueAt = now.AddSeconds(-2), LastStatus = 400, LastError = "400 no" },
            new OutboxEntry { MessageIds = OutboxBody.Ids(["second"]), Body = "[{}]"u8.ToArray(), State = OutboxState.Dead, EnqueuedAt = now, DueAt = now.AddSeconds(-1), LastStatus = 400, LastError = "400 no" });
        var cut = Render<ForwardingPanel>(p => p.Add(c => c.App, app).Add(c => c.IsAdmin, true));
        Assert.Equal(2, cut.FindAll("[data-testid=dead-letter]").Count);

        var second = cut.FindAll("[data-testid=dead-letter]").Single(r => r.QuerySelector("code")!.TextContent == "second");
        await cut.InvokeAsync(() => second.QuerySelector("button[data-testid=retry]")!.Click());
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=dead-letter]")), Wait);
        await cut.InvokeAsync(() => cut.Find("button[data-testid=discard]").Click());
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=no-dead-letters]")), Wait);

        await using var db = await Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var left = await db.ForwardingOutbox.AsNoTracking().OrderBy(m => m.Id).ToListAsync();
        Assert.Equal([(OutboxBody.Ids(["first"]), OutboxState.Discarded, false), (OutboxBody.Ids(["second"]), OutboxState.Waiting, true)],
            left.Select(m => (m.MessageIds, m.State, m.Body is not null)));
        Assert.Contains("1", cut.Find("[data-testid=fwd-waiting]").TextContent);
    }
}
