using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Portal.Core.TestEvents;

/// <summary>
/// Realistic Segment messages, as Segment's "Load Sample Event" offers them: a fresh messageId,
/// current timestamps, an analytics.js context, plausible ids and traits. Different on every call.
/// </summary>
public sealed class SampleEventFactory(TimeProvider time)
{
    public static readonly IReadOnlyList<string> Types = ["identify", "group", "track", "screen", "page"];

    private static readonly string[] FirstNames = ["Ada", "Grace", "Linus", "Margaret", "Ken", "Barbara", "Tim", "Radia", "Guido", "Frances"];
    private static readonly string[] LastNames = ["Lovelace", "Hopper", "Torvalds", "Hamilton", "Thompson", "Liskov", "Berners-Lee", "Perlman", "van Rossum", "Allen"];
    private static readonly string[] Companies = ["Initech", "Globex", "Umbrella Analytics", "Hooli", "Stark Logistics", "Wayne Retail", "Acme Health", "Soylent Foods"];
    private static readonly string[] Industries = ["Software", "Retail", "Healthcare", "Logistics", "Finance", "Education"];
    private static readonly string[] Plans = ["free", "starter", "growth", "enterprise"];
    private static readonly (string Event, Func<Random, JsonObject> Properties)[] TrackEvents =
    [
        ("Report Exported", r => new JsonObject { ["format"] = r.Next(2) == 0 ? "csv" : "pdf", ["rows"] = r.Next(10, 50_000), ["scheduled"] = r.Next(2) == 0 }),
        ("Invoice Paid", r => new JsonObject { ["amount"] = Math.Round(r.NextDouble() * 900 + 49, 2), ["currency"] = "USD", ["invoice_id"] = $"inv_{r.Next(100000, 999999)}" }),
        ("Project Created", r => new JsonObject { ["template"] = r.Next(2) == 0 ? "blank" : "kanban", ["members"] = r.Next(1, 25) }),
        ("Search Performed", r => new JsonObject { ["query_length"] = r.Next(1, 40), ["results"] = r.Next(0, 200), ["filters"] = new JsonArray("owner", "status") }),
    ];
    private static readonly (string Path, string Title)[] Pages = [("/dashboard", "Dashboard"), ("/reports", "Reports"), ("/settings/billing", "Billing"), ("/projects", "Projects")];
    private static readonly string[] Screens = ["Home", "Checkout", "Settings", "Product Detail"];

    public JsonObject Create(string type)
    {
        var random = Random.Shared;
        var now = time.GetUtcNow();
        var first = Pick(random, FirstNames);
        var last = Pick(random, LastNames);
        var userId = $"user-{random.Next(1000, 99999)}";
        var groupId = $"account-{random.Next(100, 9999)}";
        var page = Pick(random, Pages);

        var message = new JsonObject
        {
            ["type"] = type,
            ["messageId"] = $"portal-test-{Guid.NewGuid():N}",
            ["anonymousId"] = Guid.NewGuid().ToString(),
            ["userId"] = userId,
            ["timestamp"] = now.ToString("O"),
            ["sentAt"] = now.AddMilliseconds(random.Next(5, 250)).ToString("O"),
            ["context"] = Context(random, page),
            ["integrations"] = new JsonObject(),
            ["version"] = 2,
        };

        switch (type)
        {
            case "identify":
                message["traits"] = new JsonObject
                {
                    ["email"] = $"{first.ToLowerInvariant()}.{last.ToLowerInvariant().Replace(" ", "")}@example.com",
                    ["first_name"] = first,
                    ["last_name"] = last,
                    ["plan"] = Pick(random, Plans),
                    ["logins"] = random.Next(1, 400),
                    ["nps_score"] = Math.Round(random.NextDouble() * 10, 1),
                    ["beta_tester"] = random.Next(2) == 0,
                    ["created_at"] = now.AddDays(-random.Next(1, 900)).ToString("O"),
                    ["groupId"] = groupId,
                };
                break;
            case "group":
                message["groupId"] = groupId;
                message["traits"] = new JsonObject
                {
                    ["name"] = Pick(random, Companies),
                    ["industry"] = Pick(random, Industries),
                    ["employees"] = random.Next(5, 20_000),
                    ["plan"] = Pick(random, Plans),
                    ["mrr"] = Math.Round(random.NextDouble() * 20_000, 2),
                    ["created_at"] = now.AddDays(-random.Next(30, 2000)).ToString("O"),
                };
                break;
            case "track":
                var (name, properties) = Pick(random, TrackEvents);
                message["event"] = name;
                var props = properties(random);
                props["groupId"] = groupId;
                message["properties"] = props;
                break;
            case "screen":
                message["name"] = Pick(random, Screens);
                message["properties"] = new JsonObject { ["variant"] = random.Next(2) == 0 ? "A" : "B" };
                break;
            case "page":
                message["name"] = page.Title;
                message["properties"] = new JsonObject { ["path"] = page.Path, ["url"] = $"https://app.example.com{page.Path}", ["title"] = page.Title };
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown Segment call type.");
        }
        return message;
    }

    // Relaxed escaping keeps "+00:00" readable in the editor; the text is never embedded in HTML or script.
    private static readonly JsonSerializerOptions Readable = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public string CreateJson(string type) => Create(type).ToJsonString(Readable);

    /// <summary>A copy with a fresh messageId: a batch of "N copies" must not be deduplicated into one.</summary>
    public static JsonObject WithFreshMessageId(JsonObject message)
    {
        var copy = (JsonObject)message.DeepClone();
        copy["messageId"] = $"portal-test-{Guid.NewGuid():N}";
        return copy;
    }

    private static JsonObject Context(Random random, (string Path, string Title) page) => new()
    {
        ["library"] = new JsonObject { ["name"] = "analytics.js", ["version"] = "next-1.72.0" },
        ["page"] = new JsonObject
        {
            ["path"] = page.Path,
            ["url"] = $"https://app.example.com{page.Path}",
            ["title"] = page.Title,
            ["referrer"] = "",
        },
        ["userAgent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
        ["locale"] = "en-US",
        ["ip"] = $"203.0.113.{random.Next(1, 254)}",
    };

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];
}
