using Bunit;
using Microsoft.EntityFrameworkCore;
using Portal.Components.Pages.Ingestion;
using Portal.Core.Applications;
using Portal.Core.Data;
using Portal.Core.Forwarding;
using Portal.Core.Ingestion;
using Portal.Core.Users;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Components.Forwarding;

public sealed class IngestionLogForwardStateTests : PortalComponentTest
{
    [Fact]
    public async Task AnExpandedLogEntryShowsWhereEachMessageStandsOnItsWayToPendo()
    {
        SignInAs("viewer@portal.test", PortalRoles.Viewer);
        var app = (await Admin<ApplicationService>().CreateAsync("Shop")).Value!;
        var now = DateTimeOffset.UtcNow;
        long id;
        await using (var db = await Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            // "older" was stored before forwarding was on; "sent" went to Pendo and so left the outbox.
            var outcomes = new[] { "sent", "stuck", "refused", "queued", "dropped", "older" }.Select((m, i) => new MessageOutcome
            {
                Index = i, Type = "track", Outcome = MessageOutcomeKind.Accepted, MessageId = m, VisitorId = "u", Event = "E", Forwarded = m != "older",
            }).ToList();
            var entry = new IngestionLogEntry
            {
                ApplicationId = app.Id, Source = "segmentio", StatusCode = 200, TrackCount = 6, Accepted = 6, ReceivedAt = now,
                OutcomesJson = OutcomesJson.Write(outcomes),
            };
            db.IngestionLog.Add(entry);
            db.ForwardingOutbox.AddRange(
                new OutboxEntry { ApplicationId = app.Id, MessageIds = OutboxBody.Ids(["stuck"]), Body = "[{}]"u8.ToArray(), EnqueuedAt = now, DueAt = now, Attempts = 2, LastError = "503" },
                new OutboxEntry { ApplicationId = app.Id, MessageIds = OutboxBody.Ids(["refused"]), Body = "[{}]"u8.ToArray(), State = OutboxState.Dead, EnqueuedAt = now, DueAt = now, LastError = "400" },
                new OutboxEntry { ApplicationId = app.Id, MessageIds = OutboxBody.Ids(["queued"]), Body = "[{}]"u8.ToArray(), EnqueuedAt = now, DueAt = now },
                new OutboxEntry { ApplicationId = app.Id, MessageIds = OutboxBody.Ids(["dropped"]), State = OutboxState.Discarded, EnqueuedAt = now, DueAt = now });
            await db.SaveChangesAsync();
            id = entry.Id;
        }

        var details = Render<IngestionLogDetails>(p => p.Add(d => d.ApplicationId, app.Id).Add(d => d.EntryId, id));

        details.WaitForAssertion(() => Assert.Equal(["delivered", "retrying", "dead letter", "waiting", "discarded", "—"],
            details.FindAll("[data-testid=forward-state]").Select(c => c.TextContent.Trim())));
    }

    [Fact]
    public async Task WithoutForwardingTheLogHasNoPendoColumn()
    {
        SignInAs("viewer@portal.test", PortalRoles.Viewer);
        var app = (await Admin<ApplicationService>().CreateAsync("Shop")).Value!;
        long id;
        await using (var db = await Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            var entry = new IngestionLogEntry
            {
                ApplicationId = app.Id, Source = "segmentio", StatusCode = 200, TrackCount = 1, Accepted = 1, ReceivedAt = DateTimeOffset.UtcNow,
                OutcomesJson = OutcomesJson.Write([new MessageOutcome { Index = 0, Type = "track", Outcome = MessageOutcomeKind.Accepted, MessageId = "m" }]),
            };
            db.IngestionLog.Add(entry);
            await db.SaveChangesAsync();
            id = entry.Id;
        }

        var details = Render<IngestionLogDetails>(p => p.Add(d => d.ApplicationId, app.Id).Add(d => d.EntryId, id));

        details.WaitForAssertion(() => Assert.NotNull(details.Find("[data-testid=log-details]")));
        Assert.Empty(details.FindAll("[data-testid=forward-state]"));
        Assert.DoesNotContain("To Pendo", details.Markup);
    }
}
