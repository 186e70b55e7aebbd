using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Components.Browse;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Ingestion;
using Portal.Core.Metadata;
using Portal.Core.Users;
using Portal.Tests.Core.Browse;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Endpoints.Browse;

/// <summary>One Portal with one row for each grid page, and a signed-in Viewer's cookie.</summary>
public sealed class GridPagesPortal : IAsyncLifetime
{
    public PortalAppFactory Portal { get; } = new();
    public Guid App { get; private set; }
    public HttpClient Client { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        await Portal.SeedUserAsync(PortalAppFactory.ViewerEmail, PortalRoles.Viewer);
        var factory = Portal.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>();
        var data = new BrowseData(factory);
        App = await data.AppAsync();
        await data.VisitorAsync(App, "visitor-in-html");
        await data.AccountAsync(App, "account-in-html", hasMetadata: true);
        await data.EventsAsync(App, ("track", "Event In Html", "visitor-in-html", DateTimeOffset.UtcNow));
        await data.FieldAsync(App, FieldKind.Visitor, GroupTypes.Segment, "field_in_html");
        await using (var db = await factory.CreateDbContextAsync())
        {
            db.IngestionLog.Add(new IngestionLogEntry
            {
                ApplicationId = App, Source = GroupTypes.Segment, StatusCode = 400, TrackCount = 1, Invalid = 1, KeyHint = "abcd",
                ReceivedAt = DateTimeOffset.UtcNow, FirstError = "log-entry-in-html",
            });
            await db.SaveChangesAsync();
        }
        Client = await Portal.CreateSignedInClientAsync(PortalAppFactory.ViewerEmail);
    }

    public Task DisposeAsync()
    {
        Client.Dispose();
        Portal.Dispose();
        return Task.CompletedTask;
    }
}

public sealed class GridRowsInFirstHtmlTests(GridPagesPortal portal) : IClassFixture<GridPagesPortal>
{
    public static TheoryData<string, string, string> Pages => new()
    {
        { "applications/{app}/data-mappings", "field-grid", "field_in_html" },
        { "visitors?app={app}", "visitor-grid", "visitor-in-html" },
        { "accounts?app={app}", "account-grid", "account-in-html" },
        { "events?app={app}", "event-grid", "Event In Html" },
        { "ingestion-log?app={app}", "log-grid", "log-entry-in-html" },
    };

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task TheFirstHtmlOfAGridPageHoldsItsFirstRowsAndHandsThemToTheCircuit(string path, string grid, string rowText)
    {
        var html = await portal.Client.GetStringAsync("/" + path.Replace("{app}", portal.App.ToString()));

        var document = new HtmlParser().ParseDocument(html);
        var cells = document.QuerySelectorAll($"[data-testid={grid}] tbody tr.mud-table-row > td[data-label]");
        Assert.Contains(cells, cell => cell.TextContent.Contains(rowText));
        // The rows travel to the interactive render in the page's persisted component state.
        Assert.Contains("Blazor-Server-Component-State:", html);
    }
}
