using System.Text;
using Portal.Core.Ingestion;
using Portal.Core.Metadata;

namespace Portal.Tests.Core.Ingestion;

/// <summary>The provider-neutral planner on its own: no database, the store's answers are given by hand.</summary>
public sealed class IngestionBatchPlanTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly Guid App = Guid.NewGuid();

    [Fact]
    public async Task NewMessagesAreAcceptedAndTheRequestIsAnswered200InTheResponseAndTheLog()
    {
        var item = Request("""[{"type":"track","event":"Paid","userId":"u1","messageId":"m1","properties":{"total":1}},{"type":"identify","userId":"u1","messageId":"m2","traits":{"plan":"pro"}}]""");
        var plan = new IngestionBatchPlan([item], Now, [], 32_768);

        Assert.Equal(["m1", "m2"], plan.Events.Select(e => e.Message.MessageId));
        plan.Resolve([true, true]);
        plan.Complete();

        var result = (await item.Completion.Task);
        var log = Assert.Single(plan.LogEntries);
        Assert.Equal((IngestionStatus.Ok, 200, 200), (result.Status, result.StatusCode, log.StatusCode));
        Assert.Equal((2, 0, 0), (log.Accepted, log.Duplicates, log.Invalid));
        Assert.All(item.Parsed.Outcomes, o => Assert.Equal(MessageOutcomeKind.Accepted, o.Outcome));
        Assert.Equal(2, plan.StoredCount);
        Assert.Contains(plan.Aggregate.Fields.Keys, k => k.Kind == FieldKind.TrackProperty && k.Name == "total");
        Assert.Contains(plan.Aggregate.Fields.Keys, k => k.Kind == FieldKind.Visitor && k.Name == "plan");
    }

    [Fact]
    public async Task MessagesTheStoreAlreadyHadAreDuplicatesAndChangeNothing()
    {
        var item = Request("""[{"type":"track","event":"Paid","userId":"u1","messageId":"m1","properties":{"total":1}},{"type":"identify","userId":"u2","messageId":"m2","traits":{"plan":"pro"}}]""");
        var plan = new IngestionBatchPlan([item], Now, [], 32_768);

        plan.Resolve([true, false]);
        plan.Complete();

        Assert.Equal([MessageOutcomeKind.Accepted, MessageOutcomeKind.Duplicate], item.Parsed.Outcomes.Select(o => o.Outcome));
        var log = Assert.Single(plan.LogEntries);
        Assert.Equal((1, 1, 200), (log.Accepted, log.Duplicates, log.StatusCode));
        Assert.Equal(1, plan.StoredCount);
        // The duplicate identify must not count its field or touch its visitor again.
        Assert.DoesNotContain(plan.Aggregate.Fields.Keys, k => k.Name == "plan");
        Assert.DoesNotContain(plan.Aggregate.Visitors.Keys, k => k.Id == "u2");
        Assert.Equal(IngestionStatus.Ok, (await item.Completion.Task).Status);
    }

    [Fact]
    public async Task AnInvalidMessageMakesThe400OfBothTheResponseAndTheLogWhileTheValidOneIsStored()
    {
        var item = Request("""[{"type":"track","event":"Paid","userId":"u1","messageId":"m1"},{"type":"track","messageId":"m2"}]""");
        var plan = new IngestionBatchPlan([item], Now, [], 32_768);

        Assert.Single(plan.Events);
        plan.Resolve([true]);
        plan.Complete();

        var result = (await item.Completion.Task);
        var log = Assert.Single(plan.LogEntries);
        Assert.Equal((IngestionStatus.Invalid, 400, 400), (result.Status, result.StatusCode, log.StatusCode));
        Assert.Equal((1, 1), (log.Accepted, log.Invalid));
        Assert.StartsWith("message 1:", log.FirstError);
        Assert.NotNull(log.RawBody);
    }

    [Fact]
    public async Task ARefusedRequestIsLoggedWithTheStatusItIsAnsweredWith()
    {
        var body = Encoding.UTF8.GetBytes("x");
        var refused = new RefusedWorkItem
        {
            ApplicationId = App, Source = "segmentio", ReceivedAt = Now, Body = body, Parsed = ParsedBody.Failed("too large", body),
            Result = new IngestionResult(IngestionStatus.BadRequest, [], "too large") { StatusCode = 413 },
        };
        var ok = Request("""{"type":"track","event":"Paid","userId":"u1","messageId":"m1"}""");
        var plan = new IngestionBatchPlan([refused, ok], Now, [], 32_768);

        Assert.Single(plan.Events);
        plan.Resolve([true]);
        plan.Complete();

        Assert.Equal([413, 200], plan.LogEntries.Select(l => l.StatusCode));
        Assert.Equal(413, (await refused.Completion.Task).StatusCode);
        Assert.Equal("too large", plan.LogEntries[0].FirstError);
        Assert.Equal([App], plan.ApplicationIds);
    }

    [Fact]
    public void ThePlanRefusesAnAnswerThatDoesNotCoverEveryEvent()
    {
        var plan = new IngestionBatchPlan([Request("""{"type":"track","event":"Paid","userId":"u1","messageId":"m1"}""")], Now, [], 32_768);

        Assert.Throws<ArgumentException>(() => plan.Resolve([]));
    }

    [Theory]
    [InlineData(IngestionStatus.Ok, 200)]
    [InlineData(IngestionStatus.Invalid, 400)]
    [InlineData(IngestionStatus.BadRequest, 400)]
    [InlineData(IngestionStatus.Unauthorized, 401)]
    [InlineData(IngestionStatus.Unavailable, 503)]
    public void EachStatusHasOneHttpCode(IngestionStatus status, int code) =>
        Assert.Equal(code, new IngestionResult(status, []).StatusCode);

    [Fact]
    public void StoredMessagesOfForwardingApplicationsBecomeOutboxEntriesPerApplicationOfAtMostTheEntrySize()
    {
        var other = Guid.NewGuid();
        var requests = new[]
        {
            Request("""[{"type":"track","event":"A","userId":"u1","messageId":"a1"},{"type":"track","event":"A","userId":"u1","messageId":"a2"}]""", forward: true),
            Request("""{"type":"track","event":"B","userId":"u1","messageId":"b1"}""", other, forward: true),
            Request("""[{"type":"track","event":"A","userId":"u1","messageId":"a3"},{"type":"track","event":"A","userId":"u1","messageId":"a4"}]""", forward: true),
            Request("""{"type":"track","event":"C","userId":"u1","messageId":"c1"}""", Guid.NewGuid()),
        };
        var lists = new IngestionPlanLists();
        // A previous commit's plan on the same lists leaves nothing behind.
        new IngestionBatchPlan([Request("""{"type":"track","event":"Old","userId":"u1","messageId":"old"}""", forward: true)], Now, [], 32_768, lists: lists)
            .Resolve([true]);
        var plan = new IngestionBatchPlan(requests, Now, [], 32_768, outboxEntryMessages: 2, lists: lists);

        plan.Resolve([true, true, true, false, true, true]);

        // a3 was a duplicate, c1's application does not forward: per application, in order, at most two per entry.
        Assert.Equal(
            [(App, "[\"a1\",\"a2\"]", 2), (App, "[\"a4\"]", 1), (other, "[\"b1\"]", 1)],
            plan.OutboxEntries.Select(e => (e.ApplicationId, e.MessageIds, e.Count)));
        var body = Encoding.UTF8.GetString(Portal.Core.Forwarding.OutboxBody.Unpack(plan.OutboxEntries[0].Body));
        Assert.Equal(["a1", "a2"], System.Text.Json.JsonDocument.Parse(body).RootElement.EnumerateArray().Select(m => m.GetProperty("messageId").GetString()));
    }

    [Fact]
    public void ARequestThatFillsEntriesIsPackedOnItsOwnAndOnlyItsTailIsLeftForTheWriter()
    {
        var item = Request(Tracks("p", 5), forward: true, entryMessages: 2);

        var packed = Assert.IsType<PackedOutbox>(item.Packed);
        Assert.Equal(4, packed.Messages);
        Assert.Equal(["[\"p1\",\"p2\"]", "[\"p3\",\"p4\"]"], packed.Entries.Select(e => e.MessageIds));
        Assert.Equal(["p3", "p4"], MessageIdsIn(packed.Entries[1]));
        Assert.Null(Request(Tracks("q", 1), forward: true, entryMessages: 2).Packed);
        Assert.Null(Request(Tracks("r", 5), forward: false, entryMessages: 2).Packed);
    }

    [Fact]
    public void APackedRequestWhoseMessagesAreAllStoredBringsItsEntriesAndItsTailJoinsTheCommitsOtherMessages()
    {
        var packed = Request(Tracks("p", 5), forward: true, entryMessages: 2);
        var single = Request(Tracks("s", 1), forward: true, entryMessages: 2);
        var plan = new IngestionBatchPlan([packed, single], Now, [], 32_768, outboxEntryMessages: 2);

        plan.Resolve([true, true, true, true, true, true]);

        Assert.Same(packed.Packed!.Entries[0], plan.OutboxEntries[0]);
        Assert.Same(packed.Packed!.Entries[1], plan.OutboxEntries[1]);
        Assert.Equal(["[\"p5\",\"s1\"]"], plan.OutboxEntries.Skip(2).Select(e => e.MessageIds));
        Assert.Equal(["p5", "s1"], MessageIdsIn(plan.OutboxEntries[2]));
    }

    [Fact]
    public void APackedRequestWithADuplicateIsPackedAgainByTheWriterWithoutIt()
    {
        var packed = Request(Tracks("p", 4), forward: true, entryMessages: 2);
        var plan = new IngestionBatchPlan([packed], Now, [], 32_768, outboxEntryMessages: 2);

        plan.Resolve([true, false, true, true]);

        Assert.DoesNotContain(plan.OutboxEntries, e => packed.Packed!.Entries.Contains(e));
        Assert.Equal(["[\"p1\",\"p3\"]", "[\"p4\"]"], plan.OutboxEntries.Select(e => e.MessageIds));
        Assert.Equal(["p1", "p3"], MessageIdsIn(plan.OutboxEntries[0]));
    }

    [Fact]
    public void EntriesPackedWhileTheEventsAreInsertedAreTheOnesTheWriterPacksWhenEveryMessageIsNew()
    {
        var other = Guid.NewGuid();
        MessagesWorkItem[] Requests() =>
        [
            Request(Tracks("p", 5), forward: true, entryMessages: 2),
            Request(Tracks("s", 1), forward: true, entryMessages: 2),
            Request(Tracks("o", 3), other, forward: true),
            Request(Tracks("n", 2), Guid.NewGuid()),
            Request(Tracks("t", 1), forward: true, entryMessages: 2),
        ];
        var ahead = new IngestionBatchPlan(Requests(), Now, [], 32_768, outboxEntryMessages: 2);
        var onTheWriter = new IngestionBatchPlan(Requests(), Now, [], 32_768, outboxEntryMessages: 2);

        ahead.StartPackingOutbox();
        ahead.Resolve(Enumerable.Repeat(true, 12).ToList());
        onTheWriter.Resolve(Enumerable.Repeat(true, 12).ToList());

        Assert.Equal(
            onTheWriter.OutboxEntries.Select(e => (e.ApplicationId, e.MessageIds, e.Count, Encoding.UTF8.GetString(Portal.Core.Forwarding.OutboxBody.Unpack(e.Body)))),
            ahead.OutboxEntries.Select(e => (e.ApplicationId, e.MessageIds, e.Count, Encoding.UTF8.GetString(Portal.Core.Forwarding.OutboxBody.Unpack(e.Body)))));
        Assert.Equal(["[\"p1\",\"p2\"]", "[\"p3\",\"p4\"]", "[\"p5\",\"s1\"]", "[\"t1\"]", "[\"o1\",\"o2\"]", "[\"o3\"]"], ahead.OutboxEntries.Select(e => e.MessageIds));
    }

    [Fact]
    public void EntriesPackedWhileTheEventsAreInsertedAreLeftWhenAMessageTurnsOutADuplicate()
    {
        var plan = new IngestionBatchPlan([Request(Tracks("s", 1), forward: true), Request(Tracks("t", 2), forward: true)], Now, [], 32_768);

        plan.StartPackingOutbox();
        plan.Resolve([true, true, false]);

        Assert.Equal(["[\"s1\",\"t1\"]"], plan.OutboxEntries.Select(e => e.MessageIds));
        Assert.Equal(["s1", "t1"], MessageIdsIn(plan.OutboxEntries[0]));
    }

    private static string Tracks(string prefix, int count) =>
        "[" + string.Join(",", Enumerable.Range(1, count).Select(i => $$"""{"type":"track","event":"A","userId":"u1","messageId":"{{prefix}}{{i}}"}""")) + "]";

    private static IEnumerable<string?> MessageIdsIn(PlannedOutboxEntry entry) =>
        System.Text.Json.JsonDocument.Parse(Portal.Core.Forwarding.OutboxBody.Unpack(entry.Body)).RootElement.EnumerateArray().Select(m => m.GetProperty("messageId").GetString());

    /// <summary>A request as <see cref="IngestionService"/> builds it; with <paramref name="entryMessages"/>, packed as it does when forwarding.</summary>
    private static MessagesWorkItem Request(string json, Guid? application = null, bool forward = false, int? entryMessages = null)
    {
        var body = Encoding.UTF8.GetBytes(json);
        var parsed = new SegmentBodyParser(new IngestionOptions()).Parse(body, Now);
        Assert.Null(parsed.Error);
        var aggregate = new BatchAggregate();
        foreach (var message in parsed.Messages) aggregate.Add(application ?? App, message);
        return new MessagesWorkItem
        {
            ApplicationId = application ?? App, Source = "segmentio", ReceivedAt = Now, Parsed = parsed, Body = body, Aggregate = aggregate, Forward = forward,
            Packed = forward && entryMessages is { } size ? PackedOutbox.Of(application ?? App, parsed.Messages, size) : null,
        };
    }
}
