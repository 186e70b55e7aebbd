using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Data;
using Portal.Core.Forwarding;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Core.Forwarding;

/// <summary>Forwarding with Forwarding:BatchSize 3: how outbox entries become requests.</summary>
public class ForwardingBatchTests : ForwardingTestBase
{
    protected override void Configure(Dictionary<string, string?> settings, IServiceCollection services)
    {
        base.Configure(settings, services);
        settings["Forwarding:BatchSize"] = "3";
    }

    [Fact]
    public async Task EntriesHoldARequestsWorthSmallOnesShareARequestAndEachGoesAsItWasSent()
    {
        await Pendo.StartAsync();
        await EnableAsync();
        foreach (var id in new[] { "s-1", "s-2", "s-3", "s-4" }) await SendAsync(Track(id));
        var batch = Enumerable.Range(1, 7).Select(i => Track($"b-{i}")).ToList();
        await SendAsync("[" + string.Join(",", batch) + "]");
        Assert.Equal([1, 1, 1, 1, 3, 3, 1], (await EntriesAsync()).Select(e => e.Count));

        Assert.Equal(11, await DeliverAsync());

        // Requests follow the outbox: single-message entries share one, whole entries go as they were stored.
        var bodies = Pendo.Requests.Select(r => r.Body).Order().ToList();
        string Array(params string[] messages) => "[" + string.Join(",", messages) + "]";
        Assert.Equal(new[]
        {
            Array(Track("s-1"), Track("s-2"), Track("s-3")), Track("s-4"), Array(batch[0], batch[1], batch[2]), Array(batch[3], batch[4], batch[5]), batch[6],
        }.Order(), bodies);
        Assert.Empty(await EntriesAsync());
    }

    [Fact]
    public async Task ABatchHoldingAMessageAlreadyStoredIsQueuedWithoutItAndEveryMessageReachesPendoOnce()
    {
        await Pendo.StartAsync();
        await EnableAsync();
        await SendAsync(Track("b-2"));
        var batch = Enumerable.Range(1, 7).Select(i => Track($"b-{i}")).ToList();

        var result = await SendAsync("[" + string.Join(",", batch) + "]");

        Assert.Equal(1, result.Outcomes.Count(o => o.Outcome == Portal.Core.Ingestion.MessageOutcomeKind.Duplicate));
        Assert.Equal([1, 3, 3], (await EntriesAsync()).Select(e => e.Count));
        Assert.Equal(7, await DeliverAsync());
        Assert.Equal(Enumerable.Range(1, 7).Select(i => $"b-{i}"), Pendo.DeliveredIds.Order());
    }

    [Fact]
    public async Task AnEntryLargerThanARequestIsCutIntoRequestsOfTheSendersBytes()
    {
        await Pendo.StartAsync();
        await EnableAsync();
        // Written while the batch size was larger.
        var messages = Enumerable.Range(1, 5).Select(i => Track($"big-{i}")).ToList();
        await using (var db = await Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            db.ForwardingOutbox.Add(new OutboxEntry
            {
                ApplicationId = AppId, MessageIds = OutboxBody.Ids(Enumerable.Range(1, 5).Select(i => $"big-{i}")), Count = 5,
                Body = Encoding.UTF8.GetBytes("[" + string.Join(",", messages) + "]"), EnqueuedAt = Time.GetUtcNow(), DueAt = Time.GetUtcNow(),
            });
            await db.SaveChangesAsync();
        }

        Assert.Equal(5, await DeliverAsync());

        Assert.Equal(new[] { "[" + string.Join(",", messages.Take(3)) + "]", "[" + string.Join(",", messages.Skip(3)) + "]" }.Order(),
            Pendo.Requests.Select(r => r.Body).Order());
        Assert.Empty(await EntriesAsync());
    }

    [Fact]
    public async Task AStoredBodyThatCannotBeUnpackedIsDeadLetteredWithWhyAndTheEntrySharingItsRequestIsDelivered()
    {
        await Pendo.StartAsync();
        await EnableAsync();
        var damaged = OutboxBody.Pack([Encoding.UTF8.GetBytes(Track("lost-1")), Encoding.UTF8.GetBytes(Track("lost-2"))]);
        // The gzip trailer's length, its last byte changed, is far past anything the compressed bytes can hold.
        damaged[^1] ^= 0x7f;
        await using (var db = await Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            db.ForwardingOutbox.Add(new OutboxEntry
            {
                ApplicationId = AppId, MessageIds = OutboxBody.Ids(["lost-1", "lost-2"]), Count = 2, Body = damaged,
                EnqueuedAt = Time.GetUtcNow(), DueAt = Time.GetUtcNow(),
            });
            await db.SaveChangesAsync();
        }
        await SendAsync(Track("ok"));

        Assert.Equal(3, await DeliverAsync());

        Assert.Equal(["ok"], Pendo.DeliveredIds);
        var dead = Assert.Single(await EntriesAsync());
        Assert.Equal((OutboxState.Dead, 2, null), (dead.State, dead.Count, dead.LastStatus));
        Assert.Contains("cannot be read", dead.LastError);
        Assert.Equal(damaged, dead.Body);
    }

    [Fact]
    public async Task InASharedRequestTheMessagePendoRefusesIsDeadLetteredAloneAndTheOthersAreDelivered()
    {
        await Pendo.StartAsync();
        await EnableAsync();
        Pendo.Refuse["bad"] = (400, "no");
        foreach (var id in new[] { "a", "bad", "c" }) await SendAsync(Track(id));

        await DeliverAsync();

        Assert.Equal(["a", "c"], Pendo.DeliveredIds.Order());
        var left = await OutboxAsync();
        Assert.Equal(("bad", OutboxState.Dead), (Assert.Single(left).MessageId, left[0].State));
    }
}

/// <summary>The same on PostgreSQL.</summary>
public sealed class ForwardingBatchTestsOnPostgres : ForwardingBatchTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
