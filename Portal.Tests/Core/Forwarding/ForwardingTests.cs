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
        // Delivered messages leave the outbox; only their count stays, for the figures.
        Assert.Empty(await OutboxAsync());
        var figures = await Get<ForwardingQueries>().FiguresAsync(AppId);
        Assert.Equal(0, figures.Waiting);
        Assert.Equal(25, figures.DeliveredLastMinute);
        Assert.Null(figures.OldestWaitingAge);
    }

    [Fact]
    public async Task DeliveredFiguresCountWhatLeftTheOutboxInTheLastMinuteAndHour()
    {
        await Pendo.StartAsync();
        await EnableAsync();
        await SendAsync($"[{Track("a")}, {Track("b")}, {Track("c")}]");
        await DeliverAsync();
        Time.Advance(TimeSpan.FromMinutes(5));
        await SendAsync(Track("d"));
        await DeliverAsync();

        var figures = await Get<ForwardingQueries>().FiguresAsync(AppId);
        Assert.Equal((1, 4), (figures.DeliveredLastMinute, figures.DeliveredLastHour));
        Time.Advance(TimeSpan.FromMinutes(56));
        figures = await Get<ForwardingQueries>().FiguresAsync(AppId);
        Assert.Equal((0, 1), (figures.DeliveredLastMinute, figures.DeliveredLastHour));
    }

    [Fact]
    public async Task OldDeliveryCountsAndTombstonesArePrunedWhileRecentOnesStay()
    {
        await Pendo.StartAsync();
        await EnableAsync();
        Pendo.Refuse["bad"] = (400, "no");
        await SendAsync($"[{Track("good")}, {Track("bad")}]");
        await DeliverAsync();
        await Get<ForwardingService>().DiscardAsync(AppId);
        var store = Get<OutboxStore>();

        // Counts older than two hours go; tombstones stay as long as the Ingestion log keeps the entries that name them.
        Time.Advance(TimeSpan.FromHours(3));
        Assert.Equal(1, await store.PruneAsync(Time.GetUtcNow() - PendoForwarder.DeliveryCountsKept, Time.GetUtcNow() - TimeSpan.FromDays(7), CancellationToken.None));
        Assert.Equal(OutboxState.Discarded, Assert.Single(await OutboxAsync()).State);
        Time.Advance(TimeSpan.FromDays(7));
        Assert.Equal(1, await store.PruneAsync(Time.GetUtcNow() - PendoForwarder.DeliveryCountsKept, Time.GetUtcNow() - TimeSpan.FromDays(7), CancellationToken.None));
        Assert.Empty(await OutboxAsync());
    }

    [Fact]
    public async Task TheIngestionLogMarksForwardedMessagesSoADeliveredOneIsToldFromOneThatWasNeverQueued()
    {
        await Pendo.StartAsync();
        await SendAsync(Track("before"));
        await EnableAsync();
        Pendo.Refuse["later"] = (503, "busy");
        await SendAsync($"[{Track("sent")}, {Track("later")}]");
        await DeliverAsync();

        await using var db = await Get<Microsoft.EntityFrameworkCore.IDbContextFactory<Portal.Core.Data.PortalDbContext>>().CreateDbContextAsync();
        var forwarded = db.IngestionLog.AsEnumerable().SelectMany(e => JsonDocument.Parse(e.OutcomesJson!).RootElement.EnumerateArray())
            .Where(o => o.TryGetProperty("forwarded", out var f) && f.GetBoolean()).Select(o => o.GetProperty("messageId").GetString()!).ToList();
        Assert.Equal(["later", "sent"], forwarded.Order());
        var states = await Get<ForwardingQueries>().MessageStatesAsync(AppId, ["before", "sent", "later"], forwarded);
        Assert.Equal(ForwardState.Delivered, states["sent"]);
        Assert.Equal(ForwardState.Retrying, states["later"]);
        Assert.False(states.ContainsKey("before"));
    }

    [Fact]
    public async Task ACommitQueuesItsMessagesInFewEntriesAndAClaimStopsAtItsMessageBudget()
    {
        await EnableAsync();
        var ids = Enumerable.Range(0, 100).Select(i => $"b-{i}").ToList();
        await SendAsync("[" + string.Join(",", ids.Select(id => Track(id))) + "]");

        // One entry per forwarder pass's worth (batch size 1 x concurrency 4 x 4 rounds), in order, with the sender's bytes.
        var entries = await EntriesAsync();
        Assert.Equal([16, 16, 16, 16, 16, 16, 4], entries.Select(e => e.Count));
        Assert.Equal(ids, (await OutboxAsync()).Select(m => m.MessageId));
        Assert.Equal(Track("b-17"), (await OutboxAsync())[17].Json);

        var claimed = await Get<OutboxStore>().ClaimAsync(AppId, 40, Time.GetUtcNow(), Time.GetUtcNow().AddMinutes(1), CancellationToken.None);
        Assert.Equal([16, 16, 16], claimed.Select(c => c.Count));
        // (On PostgreSQL that claim holds a lease.)
        Time.Advance(TimeSpan.FromMinutes(2));
        await Pendo.StartAsync();
        Assert.Equal(100, await DeliverAsync());
        Assert.Equal(ids.Order(), Pendo.DeliveredIds.Order());
    }

    [Fact]
    public async Task WhenPartOfAnEntryGetsThroughOnlyTheRestWaitsAndWhatWasRefusedIsDeadLetteredAlone()
    {
        await Pendo.StartAsync();
        await EnableAsync();
        Pendo.Refuse["later-1"] = (503, "busy");
        Pendo.Refuse["bad"] = (400, "no");
        await SendAsync($"[{Track("ok-1")}, {Track("later-1")}, {Track("bad")}, {Track("ok-2")}]");
        Assert.Single(await EntriesAsync());

        await DeliverAsync();

        Assert.Equal(["ok-1", "ok-2"], Pendo.DeliveredIds.Order());
        var left = await OutboxAsync();
        Assert.Equal([("later-1", OutboxState.Waiting), ("bad", OutboxState.Dead)], left.Select(m => (m.MessageId, m.State)));
        Assert.All(left, m => Assert.Equal(1, m.Attempts));
        Assert.Equal(Track("later-1"), left[0].Json);
        Assert.Equal(2, (await Get<ForwardingQueries>().FiguresAsync(AppId)).DeliveredLastMinute);

        Pendo.Refuse.TryRemove("later-1", out _);
        Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, await DeliverAsync());
        Assert.Equal(["later-1", "ok-1", "ok-2"], Pendo.DeliveredIds.Order());
        Assert.Equal("bad", Assert.Single(await OutboxAsync()).MessageId);
    }

    [Fact]
    public async Task AnEntryThatFailsAsAWholeWaitsInPlace()
    {
        await EnableAsync();
        await SendAsync($"[{Track("a")}, {Track("b")}]");
        var before = Assert.Single(await EntriesAsync());

        // Pendo is down: the entry keeps its id and body and only its retry time and error change.
        Assert.Equal(2, await DeliverAsync());

        var after = Assert.Single(await EntriesAsync());
        Assert.Equal((before.Id, 1, OutboxState.Waiting), (after.Id, after.Attempts, after.State));
        Assert.Equal(before.Body, after.Body);
        Assert.NotNull(after.LastError);
        Assert.True(after.DueAt > Time.GetUtcNow());
    }

    [Fact]
    public async Task OutcomesThatReachTheWriterWithABatchAreCommittedInItsTransaction()
    {
        await EnableAsync();
        await SendAsync(Track("sent"));
        var entry = Assert.Single(await EntriesAsync());
        var now = Time.GetUtcNow();
        var outcomes = new OutboxOutcomes(now);
        outcomes.Deleted.Add(entry.Id);
        outcomes.CountDelivered(AppId, 1);
        var body = System.Text.Encoding.UTF8.GetBytes(Track("next"));
        var request = new MessagesWorkItem
        {
            ApplicationId = AppId, Source = "segmentio", ReceivedAt = now, Body = body, Forward = true,
            Parsed = new SegmentBodyParser(new IngestionOptions()).Parse(body, now),
        };

        // As the writer does with outcomes queued among requests.
        await using (var store = await Get<IngestionStoreFactory>().OpenAsync(CancellationToken.None))
            await store.WriteAsync(new IngestionBatchPlan([request], now, [], 32_768) { OutboxOutcomes = [outcomes] }, new WriterMemory(1000), CancellationToken.None);

        Assert.Equal(["next"], (await OutboxAsync()).Select(m => m.MessageId));
        Assert.Equal(1, (await Get<ForwardingQueries>().FiguresAsync(AppId)).DeliveredLastMinute);
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

        // Both wait in their entry, which keeps the earlier retry time and its answer.
        var outbox = await OutboxAsync();
        Assert.All(outbox, m => Assert.Equal(OutboxState.Waiting, m.State));
        Assert.Contains(Assert.Single(outbox.Select(m => m.LastStatus).Distinct()), new int?[] { 503, 429 });
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
        const string other = """{"type":"track","userId":"someone-else","event":"Clicked","messageId":"e-3"}""";
        await SendAsync($"[{Track("e-1")}, {other}, {Track("e-2")}]");
        await SendAsync(Track("e-4"));
        Assert.Equal(4, (await OutboxAsync()).Count);

        Assert.True((await Get<Portal.Core.Erasure.ErasureService>().DeleteVisitorAsync(AppId, "u-1")).Succeeded);

        // The erased messages' JSON is gone, also from the entry they shared with someone else's; their tombstones tell
        // the Ingestion log they did not reach Pendo.
        var outbox = await OutboxAsync();
        Assert.Equal([("e-3", OutboxState.Waiting), ("e-4", OutboxState.Discarded), ("e-1", OutboxState.Discarded), ("e-2", OutboxState.Discarded)],
            outbox.Select(m => (m.MessageId, m.State)));
        Assert.Equal([other, null, null, null], outbox.Select(m => m.Json));
        await Pendo.StartAsync();
        await DeliverAsync();
        Assert.Equal(["e-3"], Pendo.DeliveredIds);
        var states = await Get<ForwardingQueries>().MessageStatesAsync(AppId, ["e-1", "e-3"], queued: ["e-1", "e-3"]);
        Assert.Equal((ForwardState.Discarded, ForwardState.Delivered), (states["e-1"], states["e-3"]));
    }

    [Fact]
    public async Task DiscardDropsDeadLettersForGoodAndTheLogSaysTheyWereDiscarded()
    {
        await Pendo.StartAsync();
        await EnableAsync();
        Pendo.Refuse["bad"] = (422, "nope");
        await SendAsync($"[{Track("bad")}, {Track("good")}]");
        await DeliverAsync();

        var discarded = await Get<ForwardingService>().DiscardAsync(AppId);

        Assert.Equal(1, discarded.Value);
        Assert.Empty(await Get<ForwardingQueries>().DeadLettersAsync(AppId));
        var tombstone = Assert.Single(await OutboxAsync());
        Assert.Equal(("bad", OutboxState.Discarded, null), (tombstone.MessageId, tombstone.State, tombstone.Json));
        Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, await DeliverAsync());
        Assert.Equal(["good"], Pendo.DeliveredIds);
        var states = await Get<ForwardingQueries>().MessageStatesAsync(AppId, ["bad", "good"], queued: ["bad", "good"]);
        Assert.Equal(ForwardState.Discarded, states["bad"]);
        Assert.Equal(ForwardState.Delivered, states["good"]);
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
        // A claim may pass over entries another one holds for a moment; those are taken by a later round.
        var ids = new List<string>();
        for (var round = 0; round < 10; round++)
        {
            var claims = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => store.ClaimAsync(AppId, 40, now, now.AddMinutes(1), CancellationToken.None))));
            var got = claims.SelectMany(c => c).SelectMany(e => OutboxBody.ParseIds(e.MessageIds)).ToList();
            if (got.Count == 0) break;
            ids.AddRange(got);
        }

        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(100, ids.Count);
        // Claimed messages are leased: nothing is due again until the lease ends.
        Assert.Empty(await store.ClaimAsync(AppId, 100, now, now.AddMinutes(1), CancellationToken.None));
        Assert.Equal(100, (await store.ClaimAsync(AppId, 100, now.AddMinutes(1), now.AddMinutes(2), CancellationToken.None)).Sum(e => e.Count));
    }
}
