using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Applications;
using Portal.Core.Ingestion;

namespace Portal.Tests.Endpoints.Ingestion;

/// <summary>Segment signs a batch by its first element only; strict mode makes the signature cover the whole body.</summary>
public sealed class StrictSigningTests
{
    private const string Secret = "whsec-test-secret";
    private const string Genuine = """{"type":"track","userId":"u-1","event":"Signed","messageId":"genuine"}""";
    private const string Forged = """{"type":"identify","userId":"u-1","traits":{"plan":"forged"},"messageId":"forged"}""";
    private static readonly string Batch = $"[{Genuine},{Forged}]";

    private static async Task<IngestionApp> StartAsync(bool strict)
    {
        var app = await IngestionApp.StartAsync();
        await app.SetSigningSecretAsync(Secret);
        if (strict) Assert.True((await app.Get<ApplicationService>().SetStrictSigningAsync(app.AppId, true)).Succeeded);
        return app;
    }

    private static Task<HttpResponseMessage> PostAsync(IngestionApp app, string body, string signedPart)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/data/segmentio/{app.Key}") { Content = IngestionApp.Json(body) };
        request.Headers.Add("X-Signature", WebhookSignature.Compute(Secret, Encoding.UTF8.GetBytes(signedPart)));
        return app.Client().SendAsync(request);
    }

    [Fact]
    public async Task InCompatibleModeForgedMessagesAppendedUnderAValidFirstElementSignatureAreStored()
    {
        await using var app = await StartAsync(strict: false);

        var response = await PostAsync(app, Batch, signedPart: Genuine);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var db = await app.DbAsync();
        Assert.Equal(["forged", "genuine"], await db.Events.Select(e => e.MessageId).OrderBy(m => m).ToListAsync());
    }

    [Fact]
    public async Task InStrictModeAFirstElementSignatureIsRefusedAndNothingIsStored()
    {
        await using var app = await StartAsync(strict: true);

        var response = await PostAsync(app, Batch, signedPart: Genuine);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("whole body", await response.Content.ReadAsStringAsync());
        await using var db = await app.DbAsync();
        Assert.Empty(await db.Events.ToListAsync());
        Assert.Equal(401, (await db.IngestionLog.SingleAsync()).StatusCode);
    }

    [Fact]
    public async Task InStrictModeAWholeBodySignatureIsAccepted()
    {
        await using var app = await StartAsync(strict: true);

        var batch = await PostAsync(app, Batch, signedPart: Batch);
        var single = await PostAsync(app, """{"type":"track","userId":"u-2","event":"One"}""", signedPart: """{"type":"track","userId":"u-2","event":"One"}""");

        Assert.Equal(HttpStatusCode.OK, batch.StatusCode);
        Assert.Equal(HttpStatusCode.OK, single.StatusCode);
        await using var db = await app.DbAsync();
        Assert.Equal(3, await db.Events.CountAsync());
    }

    [Fact]
    public async Task StrictModeIsShownOnTheApplicationAndAudited()
    {
        await using var app = await StartAsync(strict: true);

        var summary = await app.Get<ApplicationService>().GetAsync(app.AppId);

        Assert.True(summary!.SignatureCoversWholeBody);
        await using var db = await app.DbAsync();
        Assert.Contains(await db.AuditEntries.Select(a => a.Details).ToListAsync(), d => d != null && d.Contains("strict signing on"));
    }
}
