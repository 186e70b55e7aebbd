using System.Text.Json.Nodes;

namespace Portal.Core.TestEvents;

/// <summary>
/// Turns one edited message into what gets posted: itself, or N copies with fresh messageIds as bare
/// JSON arrays (what Webhooks (Actions) sends with batching on), split so no request passes the
/// ingestion size limit.
/// </summary>
public static class TestEventBatches
{
    public const int MaxCopies = 1000;
    public const int MaxRequestBytes = 450 * 1024;
    public const int MaxMessagesPerRequest = 100;

    public static IReadOnlyList<(string Json, IReadOnlyList<string> MessageIds)> Build(JsonObject message, int copies)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(copies, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(copies, MaxCopies);

        List<(string, IReadOnlyList<string>)> requests = [];
        var batch = new JsonArray();
        List<string> ids = [];
        var bytes = 2;
        for (var i = 0; i < copies; i++)
        {
            var copy = SampleEventFactory.WithFreshMessageId(message);
            var size = copy.ToJsonString().Length + 1;
            if (batch.Count > 0 && (batch.Count == MaxMessagesPerRequest || bytes + size > MaxRequestBytes))
            {
                requests.Add((batch.ToJsonString(), ids));
                batch = [];
                ids = [];
                bytes = 2;
            }
            ids.Add(copy["messageId"]!.GetValue<string>());
            batch.Add(copy);
            bytes += size;
        }
        requests.Add((batch.ToJsonString(), ids));
        return requests;
    }

    /// <summary>The messageId of a single message, if it has a string one.</summary>
    public static string? MessageId(JsonNode? message) =>
        message is JsonObject o && o["messageId"] is JsonValue v && v.TryGetValue<string>(out var id) ? id : null;
}
