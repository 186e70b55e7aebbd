using Bunit;
using Microsoft.EntityFrameworkCore;
using Portal.Components.Pages.Ingestion;
using Portal.Core.Applications;
using Portal.Core.Data;
using Portal.Core.Ingestion;
using Portal.Core.Users;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Components.Ingestion;

public sealed class IngestionComponentTests : PortalComponentTest
{
    [Fact]
    public void TheAgentSnippetCarriesTheKeyAndBaseUrlInDataAttributes()
    {
        var cut = Render<AgentSnippet>(p => p
            .Add(s => s.ApiKey, "0f8fad5b-d9cb-469f-a165-70867728950e")
            .Add(s => s.BaseUrl, "https://portal.example.com/"));

        var code = cut.Find("[data-testid=agent-snippet-code]").TextContent;
        Assert.Contains("src=\"https://portal.example.com/js/portal-agent.js\"", code);
        Assert.Contains("data-portal-key=\"0f8fad5b-d9cb-469f-a165-70867728950e\"", code);
        Assert.Contains("data-portal-base-url=\"https://portal.example.com\"", code);
        Assert.Contains("portal.initialize({", code);
        var segment = cut.Find("[data-testid=agent-snippet-segment-code]").TextContent;
        Assert.Contains("data-portal-key=\"0f8fad5b-d9cb-469f-a165-70867728950e\"", segment);
        Assert.DoesNotContain("portal.initialize", segment);
    }

    [Fact]
    public async Task TheIngestionLogListsTheChosenAppsEntriesWithHostileTextAsText()
    {
        SignInAs("viewer@portal.test", PortalRoles.Viewer);
        RenderProviders();
        var app = (await Admin<ApplicationService>().CreateAsync("Shop")).Value!;
        await using (var db = await Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            db.IngestionLog.Add(new IngestionLogEntry
            {
                ApplicationId = app.Id, Source = "segmentio", StatusCode = 400, TrackCount = 1, Invalid = 1, KeyHint = "abcd",
                ReceivedAt = DateTimeOffset.UtcNow, FirstError = "message 0: <script>alert(1)</script>",
            });
            await db.SaveChangesAsync();
        }

        var cut = Render<IngestionLog>();

        cut.WaitForAssertion(() => Assert.Contains("1 track", cut.Find("[data-testid=log-grid]").TextContent));
        Assert.Contains("<script>alert(1)</script>", cut.Find("[data-testid=log-grid]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=log-grid] script"));
    }

    [Fact]
    public async Task NewEntriesAppearWhenTheWriterCommits()
    {
        SignInAs("viewer@portal.test", PortalRoles.Viewer);
        RenderProviders();
        var app = (await Admin<ApplicationService>().CreateAsync("Shop")).Value!;
        var cut = Render<IngestionLog>();
        cut.WaitForAssertion(() => Assert.Contains("Nothing received yet", cut.Markup));

        await using (var db = await Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            db.IngestionLog.Add(new IngestionLogEntry { ApplicationId = app.Id, Source = "segmentio", StatusCode = 200, IdentifyCount = 2, Accepted = 2, ReceivedAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
        }
        Service<IngestionNotifications>().Publish(new IngestionCommitted([app.Id], 2, false, NewLogEntries: true));

        cut.WaitForAssertion(() => Assert.Contains("2 identify", cut.Markup));
    }

    [Fact]
    public async Task TheUnrecognisedKeysViewListsRefusedRequestsThatBelongToNoApplication()
    {
        SignInAs("viewer@portal.test", PortalRoles.Viewer);
        RenderProviders();
        var app = (await Admin<ApplicationService>().CreateAsync("Shop")).Value!;
        await using (var db = await Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            db.IngestionLog.Add(new IngestionLogEntry { ApplicationId = null, Source = "segmentio", StatusCode = 401, KeyHint = "9f3c", FirstError = "Unknown API key.", ReceivedAt = DateTimeOffset.UtcNow });
            db.IngestionLog.Add(new IngestionLogEntry { ApplicationId = app.Id, Source = "segmentio", StatusCode = 200, IdentifyCount = 1, Accepted = 1, ReceivedAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
        }
        var cut = Render<IngestionLog>();
        cut.WaitForAssertion(() => Assert.Contains("1 identify", cut.Find("[data-testid=log-grid]").TextContent));
        Assert.DoesNotContain("Unknown API key.", cut.Find("[data-testid=log-grid]").TextContent);

        await cut.InvokeAsync(() => cut.Find("input[data-testid=log-unrecognised]").Change(true));

        cut.WaitForAssertion(() => Assert.Contains("Unknown API key.", cut.Find("[data-testid=log-grid]").TextContent), TimeSpan.FromSeconds(10));
        Assert.Contains("…9f3c", cut.Find("[data-testid=log-grid]").TextContent);
        Assert.DoesNotContain("1 identify", cut.Find("[data-testid=log-grid]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=app-picker]"));
    }

    [Fact]
    public async Task TheIngestionLogOpensOnTheActiveApplicationWhenAnArchivedOneSortsFirst()
    {
        SignInAs("viewer@portal.test", PortalRoles.Viewer);
        RenderProviders();
        var apps = Admin<ApplicationService>();
        var archived = (await apps.CreateAsync("Archived shop")).Value!;
        Assert.True((await apps.ArchiveAsync(archived.Id)).Succeeded);
        var active = (await apps.CreateAsync("Shop")).Value!;
        var chosen = new List<Guid?>();

        Render<Portal.Components.Browse.AppPicker>(p => p
            .Add(s => s.IncludeArchived, true)
            .Add(s => s.ValueChanged, (Guid? id) => chosen.Add(id)));

        Assert.Equal([active.Id], chosen);
    }

    [Fact]
    public void TheAgentSnippetIsNotCopiedWhileTheKeyIsMaskedAndSaysWhy()
    {
        var snackbars = Render<MudBlazor.MudSnackbarProvider>();
        var masked = Render<AgentSnippet>(p => p.Add(s => s.ApiKey, "••••••••-950e").Add(s => s.BaseUrl, "https://portal.example.com").Add(s => s.KeyRevealed, false));

        masked.Find("[data-testid=agent-snippet-copy]").Click();

        Assert.DoesNotContain(JSInterop.Invocations, i => i.Identifier == "portal.copy");
        snackbars.WaitForAssertion(() => Assert.Contains("Reveal the key first", snackbars.Markup));
    }

    [Fact]
    public void TheAgentSnippetIsCopiedOnceTheKeyIsRevealed()
    {
        Render<MudBlazor.MudSnackbarProvider>();
        var revealed = Render<AgentSnippet>(p => p.Add(s => s.ApiKey, "0f8fad5b-d9cb-469f-a165-70867728950e").Add(s => s.BaseUrl, "https://portal.example.com").Add(s => s.KeyRevealed, true));

        revealed.Find("[data-testid=agent-snippet-copy]").Click();

        var copied = Assert.Single(JSInterop.Invocations, i => i.Identifier == "portal.copy");
        Assert.Contains("0f8fad5b-d9cb-469f-a165-70867728950e", (string)copied.Arguments[0]!);
    }

    [Fact]
    public async Task TheRawBodyOfALogEntryIsPrettyPrintedWhenItIsJson()
    {
        SignInAs("viewer@portal.test", PortalRoles.Viewer);
        var app = (await Admin<ApplicationService>().CreateAsync("Shop")).Value!;
        long id;
        await using (var db = await Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            var entry = new IngestionLogEntry
            {
                ApplicationId = app.Id, Source = "segmentio", StatusCode = 400, TrackCount = 1, Invalid = 1, ReceivedAt = DateTimeOffset.UtcNow,
                RawBody = """{"type":"track","userId":"u-1","properties":{"plan":"<b>pro</b>"}}""",
            };
            db.IngestionLog.Add(entry);
            await db.SaveChangesAsync();
            id = entry.Id;
        }

        var details = Render<IngestionLogDetails>(p => p.Add(d => d.ApplicationId, app.Id).Add(d => d.EntryId, id));

        details.WaitForAssertion(() => Assert.Equal(
            "{\n  \"type\": \"track\",\n  \"userId\": \"u-1\",\n  \"properties\": {\n    \"plan\": \"<b>pro</b>\"\n  }\n}",
            details.Find("[data-testid=log-raw-body]").TextContent.ReplaceLineEndings("\n")));
        Assert.Empty(details.FindAll("[data-testid=log-raw-body] b"));
    }

    [Fact]
    public async Task ScreenAndPageCallsAreNamedInTheLogAsNotSupportedByPendo()
    {
        SignInAs("viewer@portal.test", PortalRoles.Viewer);
        RenderProviders();
        var app = (await Admin<ApplicationService>().CreateAsync("Shop")).Value!;
        var outcomes = new List<MessageOutcome>
        {
            new() { Index = 0, Type = "screen", Outcome = MessageOutcomeKind.Skipped, Reason = "screen is not supported by Pendo's webhook" },
            new() { Index = 1, Type = "page", Outcome = MessageOutcomeKind.Skipped, Reason = "page is not supported by Pendo's webhook" },
            new() { Index = 2, Type = "bogus", Outcome = MessageOutcomeKind.Invalid, Reason = "type 'bogus' is not a Segment message type" },
        };
        await using (var db = await Service<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            db.IngestionLog.Add(new IngestionLogEntry
            {
                ApplicationId = app.Id, Source = "segmentio", StatusCode = 400, OtherCount = 3, Skipped = 2, Invalid = 1,
                ReceivedAt = DateTimeOffset.UtcNow, OutcomesJson = OutcomesJson.Write(outcomes),
            });
            await db.SaveChangesAsync();
        }

        var cut = Render<IngestionLog>();

        cut.WaitForAssertion(() => Assert.Contains("1 page (not supported by Pendo), 1 screen (not supported by Pendo), 1 other",
            cut.Find("[data-testid=log-grid]").TextContent));
    }
}
