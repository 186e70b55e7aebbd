using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Ingestion;
using Serilog.Core;
using Serilog.Events;

namespace Portal.Tests.Endpoints.Ingestion;

public sealed class IngestionSecurityTests
{
    private const string Secret = "whsec-test-secret";
    private const string First = """{"type":"track","userId":"u-1","event":"A","messageId":"a"}""";
    private const string Second = """{"type":"track","userId":"u-2","event":"B","messageId":"b"}""";

    private static async Task<HttpResponseMessage> PostSignedAsync(IngestionApp app, string body, string? signature)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/data/segmentio/{app.Key}") { Content = IngestionApp.Json(body) };
        if (signature is not null) request.Headers.Add("X-Signature", signature);
        return await app.Client().SendAsync(request);
    }

    [Fact]
    public async Task WithoutASigningSecretNoSignatureIsNeeded()
    {
        await using var app = await IngestionApp.StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await PostSignedAsync(app, First, null)).StatusCode);
    }

    [Fact]
    public async Task WithASigningSecretAMissingOrWrongSignatureIs401AndNothingIsStored()
    {
        await using var app = await IngestionApp.StartAsync();
        await app.SetSigningSecretAsync(Secret);

        var missing = await PostSignedAsync(app, First, null);
        var wrong = await PostSignedAsync(app, First, WebhookSignature.Compute("other", Encoding.UTF8.GetBytes(First)));

        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Contains("X-Signature", await wrong.Content.ReadAsStringAsync());
        await using var db = await app.DbAsync();
        Assert.Empty(await db.Events.ToListAsync());
        Assert.Equal(2, await db.IngestionLog.CountAsync(e => e.StatusCode == 401));
    }

    [Fact]
    public async Task ASingleMessageIsSignedOverTheRawBody()
    {
        await using var app = await IngestionApp.StartAsync();
        await app.SetSigningSecretAsync(Secret);

        var response = await PostSignedAsync(app, First, WebhookSignature.Compute(Secret, Encoding.UTF8.GetBytes(First)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ABatchIsSignedOverItsFirstElementsExactBytesOnly()
    {
        await using var app = await IngestionApp.StartAsync();
        await app.SetSigningSecretAsync(Secret);
        var batch = $"[ {First} ,\n {Second}]";

        var firstOnly = await PostSignedAsync(app, batch, WebhookSignature.Compute(Secret, Encoding.UTF8.GetBytes(First)));
        var wholeBody = await PostSignedAsync(app, batch, WebhookSignature.Compute(Secret, Encoding.UTF8.GetBytes(batch)));

        Assert.Equal(HttpStatusCode.OK, firstOnly.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wholeBody.StatusCode);
        await using var db = await app.DbAsync();
        Assert.Equal(2, await db.Events.CountAsync());
    }

    [Fact]
    public async Task PastTheRateLimitAKeyGets429WithRetryAfter()
    {
        await using var app = await IngestionApp.StartAsync(f => f.Settings["Ingestion:RateLimit:RequestsPerSecond"] = "2");
        var client = app.Client();

        var statuses = new List<HttpResponseMessage>();
        for (var i = 0; i < 6; i++) statuses.Add(await client.PostAsync($"/data/segmentio/{app.Key}", IngestionApp.Json(First)));

        var refused = statuses.First(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.True(int.Parse(refused.Headers.GetValues("Retry-After").Single()) >= 1);
        Assert.Contains("Too many requests", await refused.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task TheFullKeyNeverAppearsInTheLogOutput()
    {
        var sink = new CapturingSink();
        await using var app = await IngestionApp.StartAsync(f =>
        {
            f.Settings["Serilog:MinimumLevel:Default"] = "Verbose";
            f.Settings["Serilog:MinimumLevel:Override:Microsoft.AspNetCore"] = "Verbose";
            f.ConfigureServices = services => services.AddSingleton<ILogEventSink>(sink);
        });

        await app.PostAsync(First);
        await app.PostAsync("{broken");
        await app.PostAsync("""[{"type":"track"}]""");
        await app.Client().PostAsync($"/data/segmentio/{app.Key}", IngestionApp.Json(First, "application/xml"));
        await app.PostAsync(First, path: "agent");

        var hint = app.Key[^4..];
        // Request log lines are written after the response has gone out: wait for the last of them.
        for (var i = 0; i < 100 && sink.Render().Split($"/data/agent/…{hint}").Length < 2; i++) await Task.Delay(50);
        var text = sink.Render();
        Assert.Contains($"/data/segmentio/…{hint}", text);
        Assert.DoesNotContain(app.Key, text, StringComparison.OrdinalIgnoreCase);
    }

    private sealed class CapturingSink : ILogEventSink
    {
        private readonly List<LogEvent> _events = [];

        public void Emit(LogEvent logEvent)
        {
            lock (_events) _events.Add(logEvent);
        }

        public string Render()
        {
            lock (_events)
            {
                var text = new StringBuilder();
                foreach (var e in _events)
                {
                    text.AppendLine(e.RenderMessage());
                    foreach (var (name, value) in e.Properties) text.Append(name).Append('=').AppendLine(value.ToString());
                    if (e.Exception is not null) text.AppendLine(e.Exception.ToString());
                }
                return text.ToString();
            }
        }
    }
}
