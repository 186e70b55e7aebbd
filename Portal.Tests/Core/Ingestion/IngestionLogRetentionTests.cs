using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Ingestion;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Core.Ingestion;

public class IngestionLogRetentionTests : IngestionTestBase
{
    protected override void Configure(Dictionary<string, string?> settings, IServiceCollection services)
    {
        settings["Ingestion:LogMaxEntries"] = "100";
        settings["Ingestion:RawBodySamplePerApp"] = "3";
        settings["Ingestion:LogPruneIntervalSeconds"] = "30";
    }

    private Task SendManyAsync(int count, string prefix) =>
        Task.WhenAll(Enumerable.Range(0, count).Select(i => SendAsync($$"""{"type":"track","userId":"u","event":"E","messageId":"{{prefix}}{{i}}"}""")));

    [Fact]
    public async Task PruningKeepsTheNewestEntriesUpToTheCap()
    {
        await SendManyAsync(120, "a");
        await SendAsync("""{"type":"track","userId":"u","event":"E","messageId":"last"}""");
        await Get<IngestionWriter>().PruneNowAsync();

        await using var db = await DbAsync();
        Assert.Equal(100, await db.IngestionLog.CountAsync());
        Assert.True(await db.IngestionLog.AnyAsync(e => e.OutcomesJson!.Contains("\"last\"")));
        Assert.Equal(121, await db.Events.CountAsync());
    }

    [Fact]
    public async Task PruningRemovesEntriesOlderThanTheRetention()
    {
        await SendManyAsync(5, "old");
        Time.Advance(TimeSpan.FromDays(8));
        await SendAsync("""{"type":"track","userId":"u","event":"E","messageId":"new"}""");
        await Get<IngestionWriter>().PruneNowAsync();

        await using var db = await DbAsync();
        var entry = await db.IngestionLog.SingleAsync();
        Assert.Contains("\"new\"", entry.OutcomesJson);
    }

    [Fact]
    public async Task OnlyARecentSampleOfAcceptedRequestsKeepsItsRawBody()
    {
        await SendManyAsync(10, "s");
        await SendAsync("""[{"type":"track","userId":"u"}]""");
        await SendAsync("""{"type":"track","userId":"u","event":"E","messageId":"z"}""");
        await Get<IngestionWriter>().PruneNowAsync();

        await using var db = await DbAsync();
        Assert.True(await db.IngestionLog.CountAsync(e => e.Invalid == 0 && e.RawBody != null) <= 3);
        Assert.NotNull((await db.IngestionLog.SingleAsync(e => e.Invalid > 0)).RawBody);
    }
}

/// <summary>The same suite on PostgreSQL.</summary>
public sealed class IngestionLogRetentionTestsOnPostgres : IngestionLogRetentionTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
