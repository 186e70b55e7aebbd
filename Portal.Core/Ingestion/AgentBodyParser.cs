using System.Text.Json;
using Portal.Core.Common;

namespace Portal.Core.Ingestion;

/// <summary>
/// The in-page agent's body, shaped like <c>pendo.initialize</c>'s options:
/// <c>{"visitor": {"id": ..., ...}, "account": {"id": ..., ...}}</c>. It becomes an identify (index 0)
/// and, with an account, a group (index 1), both with group type <c>agent</c>.
/// </summary>
public sealed class AgentBodyParser(IngestionOptions options)
{
    private readonly FieldFlattener _flattener = new(options);

    public ParsedBody Parse(ReadOnlyMemory<byte> body, DateTimeOffset receivedAt)
    {
        if (!JsonBody.TryOpen(body, options.MaxJsonDepth, out var document, out var failed)) return failed;

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("visitor", out var visitor))
                return ParsedBody.Failed("The body must be {\"visitor\": {\"id\": ...}, \"account\": {\"id\": ...}}.", body);

            var parsed = new ParsedBody { SignedBytes = body };
            root.TryGetProperty("account", out var account);
            var hasAccount = account.ValueKind == JsonValueKind.Object;
            var accountId = hasAccount ? SegmentBodyParser.Id(account, "id") : null;

            parsed.IdentifyCount++;
            var visitorId = visitor.ValueKind == JsonValueKind.Object ? SegmentBodyParser.Id(visitor, "id") : null;
            if (visitorId is null)
                Invalid(parsed, 0, MessageTypes.Identify, "visitor.id is missing");
            else
                Add(parsed, 0, MessageTypes.Identify, visitorId, accountId, visitor, receivedAt);

            if (account.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null))
            {
                parsed.GroupCount++;
                if (accountId is null)
                    Invalid(parsed, 1, MessageTypes.Group, "account.id is missing");
                else
                    Add(parsed, 1, MessageTypes.Group, visitorId, accountId, account, receivedAt);
            }
            return parsed;
        }
    }

    private void Add(ParsedBody parsed, int index, string type, string? visitorId, string? accountId, JsonElement obj, DateTimeOffset receivedAt)
    {
        var fields = new List<FlatField>();
        var emptyNames = 0;
        if (_flattener.Flatten(obj, GroupTypes.Agent, fields, ref emptyNames, skipTopLevel: "id") is { } error)
        {
            Invalid(parsed, index, type, error);
            return;
        }
        // Every page load is a fresh observation of the visitor, so agent messages are never deduplicated.
        var message = new IngestMessage
        {
            Index = index,
            Type = type,
            MessageId = "agent-" + Guid.NewGuid().ToString("N"),
            GroupType = GroupTypes.Agent,
            Timestamp = receivedAt,
            VisitorId = visitorId,
            AccountId = accountId,
            PayloadJson = obj.GetRawText(),
            Fields = fields,
        };
        parsed.Messages.Add(message);
        parsed.Outcomes.Add(new MessageOutcome
        {
            Index = index, Type = type, Outcome = MessageOutcomeKind.Accepted, MessageId = message.MessageId, VisitorId = visitorId, AccountId = accountId,
            Reason = FieldFlattener.EmptyNamesNote(emptyNames),
        });
    }

    private static void Invalid(ParsedBody parsed, int index, string type, string reason) =>
        parsed.Outcomes.Add(new MessageOutcome { Index = index, Type = type, Outcome = MessageOutcomeKind.Invalid, Reason = reason });
}
