using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Portal.Components.Pages.Dashboard;
using Portal.Core.Ingestion.Faults;
using Portal.Core.Ingestion.Metrics;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Components.DashboardTile;

public sealed class IngestionLiveTileTests : PortalComponentTest
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-29T10:00:00Z"));

    protected override void AddServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(_time);

    [Fact]
    public void TheTileShowsTheLastMinutesCommitsAndRefreshesOnItsOwn()
    {
        var tile = Render<IngestionLiveTile>();
        Assert.Contains("no commits", tile.Find("[data-testid=live-p99]").TextContent);
        Assert.Contains("0 requests", tile.Find("[data-testid=live-queue]").TextContent);

        var metrics = Service<IngestionMetrics>();
        for (var i = 0; i < 99; i++) metrics.Committed(messages: 100, stored: 100, TimeSpan.FromMilliseconds(4));
        metrics.Committed(messages: 100, stored: 100, TimeSpan.FromMilliseconds(250));
        _time.Advance(IngestionLiveTile.RefreshInterval);

        // 10,000 events in the minute's window is 166.7 a second; the slowest of 100 commits is their 99th percentile.
        tile.WaitForAssertion(() => Assert.Contains("167", tile.Find("[data-testid=live-events-per-second]").TextContent));
        Assert.Contains("4.0 ms", tile.Find("[data-testid=live-p99]").TextContent);

        // A minute later the window is empty again.
        _time.Advance(TimeSpan.FromMinutes(1));
        tile.WaitForAssertion(() => Assert.Contains("no commits", tile.Find("[data-testid=live-p99]").TextContent));
    }

    [Fact]
    public void AWriterThatCannotCommitIsShownUntilItCanAgain()
    {
        var tile = Render<IngestionLiveTile>();
        Assert.Empty(tile.FindAll("[data-testid=ingestion-writer-problem]"));

        var health = Service<WriterHealth>();
        health.Failed("SQLite error 13: database or disk is full", _time.GetUtcNow());
        _time.Advance(IngestionLiveTile.RefreshInterval);
        tile.WaitForAssertion(() => Assert.Contains("disk is full", tile.Find("[data-testid=ingestion-writer-problem]").TextContent));

        health.Committed();
        _time.Advance(IngestionLiveTile.RefreshInterval);
        tile.WaitForAssertion(() => Assert.Empty(tile.FindAll("[data-testid=ingestion-writer-problem]")));
    }
}
