using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Applications;
using Portal.Core.Audit;
using Portal.Core.Data;
using Portal.Core.Ingestion;
using Portal.Core.Security;

namespace Portal.Core.TestEvents;

/// <summary>
/// Sends a test event with a real key to a target and reads back the effect. Sending writes data with
/// that key, so it is an Admin action, and every send, to every target, is audited. The key's value never
/// leaves the server except inside the request to the chosen target, and "This Portal" is the address the
/// server decides (<see cref="WebhookUrlBuilder.PortalBaseUrl"/>), never one a browser supplies.
/// </summary>
public sealed class TestEventRunner(
    ICurrentUser currentUser,
    IDbContextFactory<PortalDbContext> contextFactory,
    ApiKeyProtector protector,
    WebhookUrlBuilder urls,
    TestEventSender sender,
    TestEventEffectReader effects,
    AuditLog audit)
{
    public const string AdminOnly = "Sending a test event writes data with a real key: only Admins can send.";

    /// <summary>Sends with a key Portal holds, chosen by id (the web sender).</summary>
    public async Task<TestEventOutcome> SendAsync(TestEventRequest request, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        if (await currentUser.AdminAsync(cancellationToken) is not { } actor) return TestEventOutcome.Refused(AdminOnly);
        var key = await FindKeyAsync(k => k.Id == request.KeyId, cancellationToken);
        if (key is null) return TestEventOutcome.Refused("That key no longer exists.");
        var value = protector.UnprotectKey(key.ProtectedValue);
        return await SendAndAuditAsync(actor, value, key, request.Target, request.MessageJson, request.Copies,
            readEffects: request.Target.Kind == TestEventTargetKind.ThisPortal, progress, cancellationToken);
    }

    /// <summary>
    /// Sends with a key value in hand (the command line is given one). When the key is one of this Portal's,
    /// the send is signed with its application's secret and, when <paramref name="readEffects"/>, the effect
    /// is read back from the ingestion log.
    /// </summary>
    public async Task<TestEventOutcome> SendWithKeyAsync(string key, TestEventTarget target, string messageJson, int copies, bool readEffects,
        IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        if (await currentUser.AdminAsync(cancellationToken) is not { } actor) return TestEventOutcome.Refused(AdminOnly);
        var hash = ApiKeyFormat.Hash(ApiKeyFormat.Normalize(key));
        var known = await FindKeyAsync(k => k.Hash == hash, cancellationToken);
        return await SendAndAuditAsync(actor, key, known, target, messageJson, copies, readEffects && known is not null, progress, cancellationToken);
    }

    public static bool TryParse(string json, out JsonObject? message, out string error)
    {
        message = null;
        error = "";
        try
        {
            var node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = 64 });
            if (node is JsonObject obj)
            {
                message = obj;
                return true;
            }
            error = "The message must be one JSON object ({ ... }).";
            return false;
        }
        catch (JsonException ex)
        {
            error = ex.LineNumber is { } line
                ? $"Invalid JSON at line {line + 1}, position {ex.BytePositionInLine + 1}: {FirstSentence(ex.Message)}"
                : $"Invalid JSON: {FirstSentence(ex.Message)}";
            return false;
        }
    }

    private async Task<TestEventOutcome> SendAndAuditAsync(Actor actor, string keyValue, StoredKey? key, TestEventTarget target, string messageJson,
        int copies, bool readEffects, IProgress<double>? progress, CancellationToken cancellationToken)
    {
        var secret = key?.ProtectedSigningSecret is { } protectedSecret ? protector.UnprotectSecret(protectedSecret) : null;
        var outcome = await SendCoreAsync(keyValue, key?.ApplicationId, secret, target, messageJson, copies, readEffects, progress, cancellationToken);
        var hint = key?.Hint ?? ApiKeyFormat.Hint(ApiKeyFormat.Normalize(keyValue));
        var app = key?.ApplicationName ?? "(key not held by this Portal)";
        await audit.RecordAsync(actor.Name, AuditActions.KeyTestSent, $"{app} …{hint}", AuditDetails(target, outcome), CancellationToken.None);
        return outcome;
    }

    private async Task<TestEventOutcome> SendCoreAsync(string key, Guid? applicationId, string? signingSecret, TestEventTarget target,
        string messageJson, int copies, bool readEffects, IProgress<double>? progress, CancellationToken cancellationToken)
    {
        if (!TryParse(messageJson, out var message, out var parseError)) return TestEventOutcome.Refused(parseError);
        if (copies is < 1 or > TestEventBatches.MaxCopies) return TestEventOutcome.Refused($"Send between 1 and {TestEventBatches.MaxCopies} copies.");
        var url = UrlFor(target, key, out var urlError);
        if (url is null) return TestEventOutcome.Refused(urlError!);
        var masked = url.Replace(key, ApiKeyFormat.Mask(ApiKeyFormat.Hint(key)), StringComparison.Ordinal);

        var payloads = copies == 1
            ? [(messageJson, TestEventBatches.MessageId(message) is { } id ? (IReadOnlyList<string>)[id] : [])]
            : TestEventBatches.Build(message!, copies);
        List<TestEventResult> results = [];
        for (var i = 0; i < payloads.Count; i++)
        {
            var (json, ids) = payloads[i];
            // Signed as Segment signs, so an application with a signing secret accepts its own test events.
            var signature = signingSecret is null ? null : WebhookSignature.ComputeForBody(signingSecret, Encoding.UTF8.GetBytes(json));
            var result = await sender.SendAsync(url, json, copies == 1 ? 1 : ids.Count, signature, cancellationToken);
            results.Add(result with { Url = masked });
            progress?.Report((i + 1) / (double)payloads.Count);
            if (result.NetworkError is not null) break;
        }

        IReadOnlyList<TestEventEffect> read = [];
        // Only requests that reached ingestion (200, or 400 with some messages stored) leave outcomes to read.
        if (readEffects && applicationId is { } app && results.Any(r => r.StatusCode is 200 or 400))
            read = await effects.ReadAsync(app, payloads.SelectMany(p => p.MessageIds).ToList(), cancellationToken);
        return new TestEventOutcome(applicationId ?? Guid.Empty, target.Name, masked, results, read, null);
    }

    private string? UrlFor(TestEventTarget target, string key, out string? error)
    {
        error = null;
        switch (target.Kind)
        {
            case TestEventTargetKind.ThisPortal:
                var portal = urls.ThisPortalUrl(key);
                if (portal is null) error = "This Portal's address is unknown: set Webhooks:PublicBaseUrl.";
                return portal;
            case TestEventTargetKind.Region:
                var region = urls.RegionUrl(target.Name, key);
                if (region is null) error = $"No region named '{target.Name}' is configured.";
                return region;
            default:
                if (!Uri.TryCreate(target.CustomBaseUrl?.Trim(), UriKind.Absolute, out var custom) || custom.Scheme is not ("http" or "https"))
                {
                    error = "Enter an absolute http(s) base URL, e.g. https://portal.example.com.";
                    return null;
                }
                return custom.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/" + WebhookUrlBuilder.IngestionPath + key;
        }
    }

    private static string AuditDetails(TestEventTarget target, TestEventOutcome outcome)
    {
        var where = target.Kind == TestEventTargetKind.Custom ? $"{target.Name} {target.CustomBaseUrl}" : target.Name;
        var status = outcome.Error ?? string.Join(", ", outcome.Results.Select(r => r.StatusCode?.ToString() ?? "no answer").Distinct());
        return $"to {where}: {status}";
    }

    private async Task<StoredKey?> FindKeyAsync(System.Linq.Expressions.Expression<Func<ApiKey, bool>> filter, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await db.ApiKeys.AsNoTracking().Where(filter)
            .Select(k => new StoredKey(k.ApplicationId, k.Application!.Name, k.Hint, k.ProtectedValue, k.Application.ProtectedSigningSecret))
            .FirstOrDefaultAsync(cancellationToken);
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    private sealed record StoredKey(Guid ApplicationId, string ApplicationName, string Hint, string ProtectedValue, string? ProtectedSigningSecret);
}
