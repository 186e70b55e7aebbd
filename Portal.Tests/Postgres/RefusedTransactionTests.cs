using Microsoft.EntityFrameworkCore;
using Portal.Core.Ingestion;
using Portal.Tests.Core.Ingestion;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Postgres;

/// <summary>
/// The PostgreSQL writer sends BEGIN with the events and COMMIT behind the batch's last statement, on one kept connection.
/// A transaction PostgreSQL refuses, in a statement or at COMMIT, is answered 503 with nothing of it stored, and the next
/// one on the same connection is stored: nothing of the refused transaction is carried into it.
/// </summary>
public sealed class RefusedTransactionTests : IngestionTestBase
{
    protected override TestEngine Engine => TestEngine.Postgres;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await using var db = await DbAsync();
        // "late-…" is refused at COMMIT (a deferred constraint trigger), "early-…" by the events insert itself.
        await db.Database.ExecuteSqlRawAsync("""
            CREATE FUNCTION refuse_test_message() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW."MessageId" LIKE TG_ARGV[0] THEN RAISE EXCEPTION 'refused by the test: %', NEW."MessageId"; END IF;
                RETURN NULL;
            END $$;
            CREATE CONSTRAINT TRIGGER refuse_late AFTER INSERT ON "Events" DEFERRABLE INITIALLY DEFERRED
                FOR EACH ROW EXECUTE FUNCTION refuse_test_message('late-%');
            CREATE TRIGGER refuse_early AFTER INSERT ON "Events" FOR EACH ROW EXECUTE FUNCTION refuse_test_message('early-%');
            """);
    }

    private Task<IngestionResult> TrackAsync(string messageId) =>
        SendAsync(new { type = "track", userId = "u1", messageId, @event = "Clicked", timestamp = "2026-01-01T10:00:00Z" });

    private async Task<List<string>> StoredAsync()
    {
        await using var db = await DbAsync();
        return await db.Events.Where(e => e.ApplicationId == AppId).OrderBy(e => e.MessageId).Select(e => e.MessageId).ToListAsync();
    }

    [Theory]
    [InlineData("late-1")]
    [InlineData("early-1")]
    public async Task ARefusedTransactionIs503AndTheNextOnTheSameConnectionIsStored(string refused)
    {
        Assert.Equal(IngestionStatus.Ok, (await TrackAsync("before")).Status);

        Assert.Equal(IngestionStatus.Unavailable, (await TrackAsync(refused)).Status);
        Assert.Equal(IngestionStatus.Ok, (await TrackAsync("after")).Status);

        Assert.Equal(["after", "before"], await StoredAsync());
    }

    [Fact]
    public async Task RefusedMessagesDoNotTakeConcurrentRequestsWithThem()
    {
        var ids = Enumerable.Range(0, 12).Select(i => i % 4 == 0 ? $"late-{i}" : i % 4 == 1 ? $"early-{i}" : $"ok-{i}").ToList();

        var results = await Task.WhenAll(ids.Select(TrackAsync));

        for (var i = 0; i < ids.Count; i++)
            Assert.Equal(ids[i].StartsWith("ok-", StringComparison.Ordinal) ? IngestionStatus.Ok : IngestionStatus.Unavailable, results[i].Status);
        Assert.Equal(ids.Where(id => id.StartsWith("ok-", StringComparison.Ordinal)).Order(StringComparer.Ordinal), await StoredAsync());
    }
}
