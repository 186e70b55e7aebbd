using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Applications;
using Portal.Core.Audit;
using Portal.Core.Data;

namespace Portal.Core.TestEvents;

/// <summary>
/// Sends a test event with a stored key to a target and reads back the effect. The key's value never
/// leaves the server except inside the request to the chosen target; custom targets are for Admins,
/// since they could carry a key anywhere, and each such send is audited.
/// </summary>
public sealed class TestEventRunner(
    IDbContextFactory<PortalDbContext> contextFactory,
    ApiKeyProtector protector,
    WebhookUrlBuilder urls,
    TestEventSender sender,
    TestEventEffectReader effects,
    AuditLog audit)
{
    public async Task<TestEventOutcome> SendAsync(TestEventRequest request, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        if (request.Target.Kind == TestEventTargetKind.Custom && !request.ActorIsAdmin)
            return TestEventOutcome.Refused("Only Admins may send a key to a custom URL.");

        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var key = await db.ApiKeys.AsNoTracking().Include(k => k.Application).SingleOrDefaultAsync(k => k.Id == request.KeyId, cancellationToken);
        if (key is null) return TestEventOutcome.Refused("That key no longer exists.");
        var value = protector.UnprotectKey(key.ProtectedValue);
        if (request.Target.Kind == TestEventTargetKind.Custom)
            await audit.RecordAsync(request.Actor, AuditActions.KeyTestSent, $"{key.Application!.Name} …{key.Hint}", request.Target.CustomBaseUrl, cancellationToken);

        return await SendWithKeyAsync(value, key.ApplicationId, request.Target, request.MessageJson, request.Copies, request.RequestBaseUri,
            readEffects: request.Target.Kind == TestEventTargetKind.ThisPortal, progress, cancellationToken);
    }

    /// <summary>
    /// Sends with a key value in hand (the command line is given one). Effects are read back from this
    /// Portal's ingestion log when <paramref name="readEffects"/> and the key belongs to one of its applications.
    /// </summary>
    public async Task<TestEventOutcome> SendWithKeyAsync(string key, Guid? applicationId, TestEventTarget target, string messageJson, int copies,
        string? requestBaseUri, bool readEffects, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        if (!TryParse(messageJson, out var message, out var parseError)) return TestEventOutcome.Refused(parseError);
        if (copies is < 1 or > TestEventBatches.MaxCopies) return TestEventOutcome.Refused($"Send between 1 and {TestEventBatches.MaxCopies} copies.");
        var url = UrlFor(target, key, requestBaseUri, out var urlError);
        if (url is null) return TestEventOutcome.Refused(urlError!);
        var masked = url.Replace(key, ApiKeyFormat.Mask(ApiKeyFormat.Hint(key)), StringComparison.Ordinal);

        var payloads = copies == 1
            ? [(messageJson, TestEventBatches.MessageId(message) is { } id ? (IReadOnlyList<string>)[id] : [])]
            : TestEventBatches.Build(message!, copies);
        List<TestEventResult> results = [];
        for (var i = 0; i < payloads.Count; i++)
        {
            var (json, ids) = payloads[i];
            var result = await sender.SendAsync(url, json, copies == 1 ? 1 : ids.Count, cancellationToken);
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

    private string? UrlFor(TestEventTarget target, string key, string? requestBaseUri, out string? error)
    {
        error = null;
        switch (target.Kind)
        {
            case TestEventTargetKind.ThisPortal:
                var portal = urls.ThisPortalUrl(key, requestBaseUri);
                if (portal is null) error = "This Portal's address is unknown: set Webhooks:PublicBaseUrl.";
                return portal;
            case TestEventTargetKind.Region:
                var row = urls.Build(key).FirstOrDefault(r => !r.IsThisPortal && string.Equals(r.Name, target.Name, StringComparison.OrdinalIgnoreCase));
                if (row is null) error = $"No region named '{target.Name}' is configured.";
                return row?.Url;
            default:
                if (!Uri.TryCreate(target.CustomBaseUrl?.Trim(), UriKind.Absolute, out var custom) || custom.Scheme is not ("http" or "https"))
                {
                    error = "Enter an absolute http(s) base URL, e.g. https://portal.example.com.";
                    return null;
                }
                return custom.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/" + WebhookUrlBuilder.IngestionPath + key;
        }
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
