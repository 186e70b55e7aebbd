using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Core.TestEvents;

/// <summary>
/// Reads back what this Portal's ingestion did with the messages of a test send: the per-message
/// outcomes of the ingestion log entries that carry those messageIds.
/// </summary>
public sealed class TestEventEffectReader(IDbContextFactory<PortalDbContext> contextFactory, TimeProvider time)
{
    private const int RecentEntries = 50;

    public async Task<IReadOnlyList<TestEventEffect>> ReadAsync(Guid applicationId, IReadOnlyCollection<string> messageIds, CancellationToken cancellationToken = default)
    {
        var wanted = messageIds.ToHashSet(StringComparer.Ordinal);
        if (wanted.Count == 0) return [];
        // The log entry is written with the request's commit; a short poll covers a writer that logs just after answering.
        for (var attempt = 0; ; attempt++)
        {
            var found = await FindAsync(applicationId, wanted, cancellationToken);
            if (found.Count >= wanted.Count || attempt == 10) return found;
            await Task.Delay(TimeSpan.FromMilliseconds(200), time, cancellationToken);
        }
    }

    private async Task<List<TestEventEffect>> FindAsync(Guid applicationId, HashSet<string> wanted, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var recent = await db.IngestionLog.AsNoTracking()
            .Where(e => e.ApplicationId == applicationId && e.OutcomesJson != null)
            .OrderByDescending(e => e.Id)
            .Take(RecentEntries)
            .Select(e => e.OutcomesJson!)
            .ToListAsync(cancellationToken);

        var effects = new Dictionary<string, TestEventEffect>(StringComparer.Ordinal);
        // Newest entry first: for a message sent twice, the latest outcome (e.g. duplicate) is the one to show.
        foreach (var json in recent)
        {
            foreach (var outcome in Parse(json))
            {
                if (outcome.MessageId is { } id && wanted.Contains(id)) effects.TryAdd(id, outcome);
            }
            if (effects.Count == wanted.Count) break;
        }
        return [.. effects.Values];
    }

    private static IEnumerable<TestEventEffect> Parse(string json)
    {
        List<TestEventEffect> outcomes = [];
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Array) return outcomes;
            foreach (var item in document.RootElement.EnumerateArray())
            {
                outcomes.Add(new TestEventEffect(
                    Text(item, "outcome") ?? "unknown", Text(item, "type"), Text(item, "reason"), Text(item, "messageId"),
                    Text(item, "visitorId"), Text(item, "accountId"), Text(item, "event")));
            }
        }
        catch (JsonException)
        {
            // A malformed log entry shows no effect rather than breaking the sender.
        }
        return outcomes;
    }

    private static string? Text(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
