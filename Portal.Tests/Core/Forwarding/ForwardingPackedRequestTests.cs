using Portal.Core.Forwarding;
using Portal.Core.Ingestion;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Core.Forwarding;

/// <summary>
/// Forwarding with Forwarding:BatchSize 20: a request of at least <see cref="PackedRun.MinMessages"/> messages is packed on its
/// own thread and goes into the outbox as it is; Pendo still receives exactly what the sender sent.
/// </summary>
public class ForwardingPackedRequestTests : ForwardingTestBase
{
    protected override void Configure(Dictionary<string, string?> settings, Microsoft.Extensions.DependencyInjection.IServiceCollection services)
    {
        base.Configure(settings, services);
        settings["Forwarding:BatchSize"] = "20";
    }

    [Fact]
    public async Task APackedRequestReachesPendoAsSentAndOneWithADuplicateLeavesTheDuplicateOut()
    {
        await Pendo.StartAsync();
        await EnableAsync();
        var first = Enumerable.Range(1, 12).Select(i => Track($"p-{i}")).ToList();
        await SendAsync("[" + string.Join(",", first) + "]");
        // p-12 again: this request's messages are packed by the writer, without it.
        var second = Enumerable.Range(1, 10).Select(i => Track($"q-{i}")).Append(Track("p-12")).ToList();
        await SendAsync("[" + string.Join(",", second) + "]");

        var entries = await EntriesAsync();
        Assert.Equal([12, 10], entries.Select(e => e.Count));
        Assert.Equal(first, (await OutboxAsync()).Take(12).Select(m => m.Json));
        Assert.Equal(22, await DeliverAsync());

        Assert.Equal(new[] { "[" + string.Join(",", first) + "]", "[" + string.Join(",", second.Take(10)) + "]" }.Order(),
            Pendo.Requests.Select(r => r.Body).Order());
        Assert.Empty(await EntriesAsync());
    }
}

/// <summary>The same on PostgreSQL.</summary>
public sealed class ForwardingPackedRequestTestsOnPostgres : ForwardingPackedRequestTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
