using System.Text.Json;
using Portal.Core.Forwarding;
using Portal.Core.Ingestion;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Core.Forwarding;

public class ForwardingTests : ForwardingTestBase
{
    [Fact]
    public async Task StoredMessagesEnterTheOutboxInTheirCommitOnlyWhileForwardingIsOnAndNeverTwice()
    {
        Assert.Equal(IngestionStatus.Ok, (await SendAsync(Track("before"))).Status);
        await EnableAsync();
        var batch = $"[{Track("m-1")}, {Track("m-2")}]";
        Assert.Equal(IngestionStatus.Ok, (await SendAsync(batch)).Status);
        // A resend of a stored message is a duplicate: Pendo already has it on its way.
        var resent = await SendAsync(Track("m-1"));
        Assert.Equal(MessageOutcomeKind.Duplicate, resent.Outcomes.Single().Outcome);

        var outbox = await OutboxAsync();
        Assert.Equal(["m-1", "m-2"], outbox.Select(m => m.MessageId));
        Assert.All(outbox, m => Assert.Equal(OutboxState.Waiting, m.State));
        // The JSON is the sender's, byte for byte.
        Assert.Equal(Track("m-2"), outbox[1].Json);
    }

    [Fact]
    public async Task AMessageWithoutAMessageIdIsForwardedWithThePortalDerivedOne()
    {
        await EnableAsync();
        var result = await SendAsync("""{"type":"identify","userId":"u-9","traits":{"email":"a@example.com"}}""");

        var stored = result.Outcomes.Single().MessageId!;
        var json = JsonDocument.Parse((await OutboxAsync()).Single().Json!).RootElement;
        Assert.Equal(stored, json.GetProperty("messageId").GetString());
        Assert.Equal("a@example.com", json.GetProperty("traits").GetProperty("email").GetString());
    }

    [Fact]
    public async Task EverythingAcceptedArrivesAtPendoWithItsMessageIdAndTheOutboxEmpties()
    {
        await Pendo.StartAsync();
        await EnableAsync();
        var ids = Enumerable.Range(0, 25).Select(i => $"msg-{i}").ToList();
        await SendAsync("[" + string.Join(",", ids.Take(20).Select(id => Track(id))) + "]");
        foreach (var id in ids.Skip(20)) await SendAsync(Track(id));

        Assert.Equal(25, await DeliverAsync());

        Assert.Equal(ids.Order(), Pendo.DeliveredIds.Order());
        Assert.All(Pendo.Requests, r => Assert.Equal(PendoKey, r.Key));
        // Batch size 1: one message per request, as a JSON object, like Segment.
        Assert.All(Pendo.Requests, r => Assert.Single(r.Messages));
        Assert.All(await OutboxAsync(), m => Assert.Equal(OutboxState.Delivered, m.State));
        var figures = await Get<ForwardingQueries>().FiguresAsync(AppId);
        Assert.Equal(0, figures.Waiting);
        Assert.Equal(25, figures.DeliveredLastMinute);
        Assert.Null(figures.OldestWaitingAge);
    }

    [Fact]
    public async Task WhilePendoRefusesConnectionsMessagesWaitWithGrowingBackoffAndAreAllDeliveredOnceItAccepts()
    {
        await EnableAsync();
        await SendAsync($"[{Track("a")}, {Track("b")}, {Track("c")}]");

        var delays = new List<TimeSpan>();
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            Assert.Equal(3, await DeliverAsync());
            var waiting = await OutboxAsync();
            Assert.All(waiting, m => Assert.Equal(OutboxState.Waiting, m.State));
            Assert.All(waiting, m => Assert.Equal(attempt, m.Attempts));
            Assert.All(waiting, m => Assert.Contains("refused", m.LastError, StringComparison.OrdinalIgnoreCase));
            var due = waiting.Min(m => m.DueAt);
            var delay = due - Time.GetUtcNow();
            // Exponential with jitter: between half and all of 1 s, 2 s, 4 s, 8 s.
            var step = TimeSpan.FromSeconds(Math.Pow(2, attempt - 1));
            Assert.InRange(delay, step / 2, step);
            delays.Add(delay);

            // Nothing is tried before it is due.
            Time.Advance(delay - TimeSpan.FromMilliseconds(5));
            Assert.Equal(0, await DeliverAsync());
            Time.Advance(waiting.Max(m => m.DueAt) - Time.GetUtcNow());
        }
        Assert.True(delays[3] > delays[0]);
        Assert.Empty(Pendo.Requests);

        await Pendo.StartAsync();
        Assert.Equal(3, await DeliverAsync());

        Assert.Equal(["a", "b", "c"], Pendo.DeliveredIds.Order());
        Assert.Equal(0, (await Get<ForwardingQueries>().FiguresAsync(AppId)).Waiting);
    }

    [Fact]
    public async Task AServerErrorIsRetriedAndATooManyRequestsToo()
    {
        await Pendo.StartAsync();
        await EnableAsync();
        Pendo.Refuse["busy"] = (503, """{"error":"down"}""");
        Pendo.Refuse["slow"] = (429, """{"error":"slow down"}""");
        await SendAsync($"[{Track("busy")}, {Track("slow")}]");

        await DeliverAsync();

        var outbox = await OutboxAsync();
        Assert.All(outbox, m => Assert.Equal(OutboxState.Waiting, m.State));
        Assert.Equal([503, 429], outbox.Select(m => m.LastStatus));
        Pendo.Refuse.Clear();
        Time.Advance(TimeSpan.FromSeconds(2));
        await DeliverAsync();
        Assert.Equal(["busy", "slow"], Pendo.DeliveredIds.Order());
    }

    [Fact]
    public async Task AMessagePendoAnswers400IsDeadLetteredWithTheAnswerAndRetryDeliversItAfterAFix()
    {
        await Pendo.StartAsync();
        await EnableAsync();
        Pendo.Refuse["bad"] = (400, """{"error":"invalid visitor"}""");
        await SendAsync($"[{Track("good")}, {Track("bad")}]");

        await DeliverAsync();

        Assert.Equal(["good"], Pendo.DeliveredIds);
        var dead = Assert.Single(await Get<ForwardingQueries>().DeadLettersAsync(AppId));
        Assert.Equal("bad", dead.MessageId);
        Assert.Equal(400, dead.Status);
        Assert.Contains("invalid visitor", dead.Error);
        // A dead letter is not retried by itself.
        Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, await DeliverAsync());

        Pendo.Refuse.Clear();
        var retried = await Get<ForwardingService>().RetryAsync(AppId, [dead.Id]);
        Assert.Equal(1, retried.Value);
        await DeliverAsync();

        Assert.Equal(["good", "bad"], Pendo.DeliveredIds);
        Assert.Empty(await Get<ForwardingQueries>().DeadLettersAsync(AppId));
    }

    [Fact]
    public async Task TheForwardingMeterCountsDeliveredRetriedAndDeadLetteredMessages()
    {
        using var messages = new MeterCounter(Get<System.Diagnostics.Metrics.IMeterFactory>(), ForwardingMetrics.MeterName, "portal.forwarding.messages", "result");
        await Pendo.StartAsync();
        await EnableAsync();
        Pendo.Refuse["bad"] = (400, "no");
        Pendo.Refuse["later"] = (503, "busy");
        await SendAsync($"[{Track("good")}, {Track("bad")}, {Track("later")}]");

        await DeliverAsync();

        Assert.Equal(1, messages["delivered"]);
        Assert.Equal(1, messages["dead_letter"]);
        Assert.Equal(1, messages["retry"]);
    }

    [Fact]
    public async Task ErasingAVisitorDropsTheirMessagesStillWaitingForPendo()
    {
        await EnableAsync();
        await SendAsync($"[{Track("e-1")}, {Track("e-2")}]");
        await SendAsync("""{"type":"track","userId":"someone-else","event":"Clicked","messageId":"e-3"}""");
        Assert.Equal(3, (await OutboxAsync()).Count);

        Assert.True((await Get<Portal.Core.Erasure.ErasureService>().DeleteVisitorAsync(AppId, "u-1")).Succeeded);

        Assert.Equal(["e-3"], (await OutboxAsync()).Select(m => m.MessageId));
        await Pendo.StartAsync();
        await DeliverAsync();
        Assert.Equal(["e-3"], Pendo.DeliveredIds);
    }

    [Fact]
    public async Task DiscardDropsDeadLettersForGood()
    {
        await Pendo.StartAsync();
        await EnableAsync();
        Pendo.Refuse["bad"] = (422, "nope");
        await SendAsync(Track("bad"));
        await DeliverAsync();

        var discarded = await Get<ForwardingService>().DiscardAsync(AppId);

        Assert.Equal(1, discarded.Value);
        Assert.Empty(await OutboxAsync());
    }

    [Fact]
    public async Task InABatchOnlyTheMessagePendoRefusesIsDeadLettered()
    {
        await Pendo.StartAsync();
        await EnableAsync();
        Pendo.Refuse["bad"] = (400, "bad message");
        await SendAsync($"[{Track("one")}, {Track("bad")}, {Track("two")}]");

        await DeliverAsync();

        Assert.Equal(["one", "two"], Pendo.DeliveredIds.Order());
        Assert.Equal("bad", Assert.Single(await Get<ForwardingQueries>().DeadLettersAsync(AppId)).MessageId);
    }

    [Fact]
    public async Task TurnedOffForwardingQueuesNothingNewAndHoldsWhatWaits()
    {
        await Pendo.StartAsync();
        await EnableAsync();
        await SendAsync(Track("queued"));
        Assert.True((await Get<ForwardingService>().DisableAsync(AppId)).Succeeded);

        await SendAsync(Track("after"));
        Assert.Equal(0, await DeliverAsync());

        Assert.Equal(["queued"], (await OutboxAsync()).Select(m => m.MessageId));
        await EnableAsync();
        await DeliverAsync();
        Assert.Equal(["queued"], Pendo.DeliveredIds);
    }

    [Fact]
    public async Task ReplayOfARangeDeliversExactlyTheMessagesReceivedInIt()
    {
        await Pendo.StartAsync();
        var start = Time.GetUtcNow();
        await SendAsync(Track("early"));
        Time.Advance(TimeSpan.FromMinutes(10));
        var from = Time.GetUtcNow();
        await SendAsync($"[{Track("in-1")}, {Track("in-2")}]");
        await SendAsync("""{"type":"group","userId":"u-1","groupId":"acme","messageId":"in-3","traits":{"plan":"pro"}}""");
        Time.Advance(TimeSpan.FromMinutes(10));
        var to = Time.GetUtcNow();
        await SendAsync(Track("late"));
        Time.Advance(TimeSpan.FromMinutes(1));
        await EnableAsync();

        var progress = new List<ReplayProgress>();
        var replay = await Get<ForwardingService>().ReplayAsync(AppId, from, to, new SyncProgress(progress.Add));
        await DeliverAsync();

        Assert.Equal(3, replay.Value);
        Assert.Equal(["in-1", "in-2", "in-3"], Pendo.DeliveredIds.Order());
        Assert.Equal(new ReplayProgress(3, 3), progress[^1]);
        var group = Pendo.Requests.SelectMany(r => r.Messages).Single(m => m.GetProperty("messageId").GetString() == "in-3");
        Assert.Equal("acme", group.GetProperty("groupId").GetString());
        Assert.Equal("pro", group.GetProperty("traits").GetProperty("plan").GetString());
        Assert.True(start < from);
    }

    [Fact]
    public async Task ThePendoKeyIsStoredEncryptedAndShownByItsHintOnly()
    {
        await EnableAsync();

        await using var db = await Get<Microsoft.EntityFrameworkCore.IDbContextFactory<Portal.Core.Data.PortalDbContext>>().CreateDbContextAsync();
        var settings = System.Linq.Enumerable.Single(db.ForwardingSettings);
        Assert.DoesNotContain(PendoKey, settings.ProtectedPendoKey);
        Assert.Equal(PendoKey[^4..], settings.KeyHint);
        var state = await Get<ForwardingQueries>().StateAsync(AppId);
        Assert.Equal(("Fake", PendoKey[^4..]), (state.Region, state.KeyHint));
        Assert.DoesNotContain(db.AuditEntries, a => (a.Details ?? "").Contains(PendoKey) || a.Target.Contains(PendoKey));
    }

    [Fact]
    public async Task AnImportedPendoKeyOfTheApplicationIsPickedWhenNoneIsGiven()
    {
        var imported = await Get<Portal.Core.Applications.ApiKeyService>().ImportAsync(AppId, PendoKey);

        var enabled = await Get<ForwardingService>().EnableAsync(AppId, "fake");

        Assert.True(enabled.Succeeded, enabled.Error);
        Assert.Equal(imported.Value!.Hint, enabled.Value!.KeyHint);
        Assert.Equal("Fake", enabled.Value.Region);
        Assert.False((await Get<ForwardingService>().EnableAsync(AppId, "Mars")).Succeeded);
    }


    private sealed class SyncProgress(Action<ReplayProgress> report) : IProgress<ReplayProgress>
    {
        public void Report(ReplayProgress value) => report(value);
    }
}

/// <summary>The same suite on PostgreSQL.</summary>
public sealed class ForwardingTestsOnPostgres : ForwardingTests
{
    protected override TestEngine Engine => TestEngine.Postgres;

    [Fact]
    public async Task ConcurrentClaimsNeverHandOutTheSameMessageTwice()
    {
        await EnableAsync();
        await SendAsync("[" + string.Join(",", Enumerable.Range(0, 100).Select(i => Track($"c-{i}"))) + "]");
        var store = Get<OutboxStore>();
        var now = Time.GetUtcNow();

        // Several instances claiming at once: FOR UPDATE SKIP LOCKED. (SQLite has one instance and one forwarder, whose claim is a read.)
        var claims = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => store.ClaimAsync(AppId, 40, now, now.AddMinutes(1), CancellationToken.None))));

        var ids = claims.SelectMany(c => c).Select(m => m.MessageId).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(100, ids.Count);
        // Claimed messages are leased: nothing is due again until the lease ends.
        Assert.Empty(await store.ClaimAsync(AppId, 100, now, now.AddMinutes(1), CancellationToken.None));
        Assert.Equal(100, (await store.ClaimAsync(AppId, 100, now.AddMinutes(1), now.AddMinutes(2), CancellationToken.None)).Count);
    }
}
