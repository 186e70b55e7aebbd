using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Cli;
using Portal.Core.Audit;
using Portal.Core.Data;
using Portal.Tests.Core.Browse;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Cli;

public sealed class EraseCliTests : IDisposable
{
    private readonly PortalAppFactory _portal = new();

    private Task<(int Exit, string Output, string Error)> RunAsync(params string[] args) => _portal.RunCliAsync(args);

    private BrowseData Data => new(_portal.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>());

    [Fact]
    public async Task VisitorsDeleteErasesTheListedVisitorsWithTheirEventsAsOneAuditedRequest()
    {
        await RunAsync("apps", "create", "--name", "Shop");
        var app = (await _portal.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContext().Applications.SingleAsync()).Id;
        await Data.VisitorAsync(app, "u1", accounts: ["acme"]);
        await Data.VisitorAsync(app, "u2");
        await Data.VisitorAsync(app, "keep");
        await Data.EventsAsync(app, ("track", "Clicked", "u1", DateTimeOffset.UtcNow.AddMinutes(-2)), ("track", "Clicked", "keep", DateTimeOffset.UtcNow));
        var file = Path.Combine(_portal.DataDirectory, "ids.txt");
        await File.WriteAllLinesAsync(file, ["u1", "", "u2", "nobody"]);

        var (exit, output, _) = await RunAsync("visitors", "delete", "--app", "Shop", "--file", file, "--json");

        Assert.Equal(ExitCodes.Ok, exit);
        var json = JsonDocument.Parse(output).RootElement;
        Assert.Equal((3, 2, 1L), (json.GetProperty("listed").GetInt32(), json.GetProperty("deleted").GetInt32(), json.GetProperty("events").GetInt64()));
        await using var db = await _portal.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        Assert.Equal(["keep"], await db.Visitors.Select(v => v.VisitorId).ToListAsync());
        Assert.Equal(["keep"], await db.Events.Select(e => e.VisitorId).ToListAsync());
        var entry = await db.AuditEntries.SingleAsync(a => a.Action == AuditActions.VisitorErased);
        Assert.Equal(CliOutput.Actor, entry.User);
    }

    [Fact]
    public async Task AccountsDeleteWithAMissingFileIsAUsageError()
    {
        await RunAsync("apps", "create", "--name", "Shop");

        var (exit, _, error) = await RunAsync("accounts", "delete", "--app", "Shop", "--file", "/nonexistent/ids.txt");

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("No file", error);
    }

    public void Dispose() => _portal.Dispose();
}
