using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Ingestion;
using Portal.Tests.Infrastructure;
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
        await using var app = await IngestionApp.StartAsync(f => Verbose(f, sink));

        await app.PostAsync(First);
        await app.PostAsync("{broken");
        await app.PostAsync("""[{"type":"track"}]""");
        await app.Client().PostAsync($"/data/segmentio/{app.Key}", IngestionApp.Json(First, "application/xml"));
        await app.PostAsync(First, path: "agent");

        var hint = app.Key[^4..];
        // Request log lines are written after the response has gone out: wait for the last of them.
        await sink.WaitForAsync($"/data/agent/…{hint}");
        var text = sink.Render();
        Assert.Contains($"/data/segmentio/…{hint}", text);
        Assert.Contains("Request starting", text);
        Assert.DoesNotContain(app.Key, text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task EachHostLogsToItsOwnSinkEvenWhenAnotherHostStartsAfterIt()
    {
        // Another host built later in the same process once took over the static logger, and with it this host's lines.
        var first = new CapturingSink();
        var second = new CapturingSink();
        await using var app = await IngestionApp.StartAsync(f => Verbose(f, first));
        await using var other = await IngestionApp.StartAsync(f => Verbose(f, second));

        await app.PostAsync(First);

        await first.WaitForAsync($"/data/segmentio/…{app.Key[^4..]}");
        // ASP.NET Core's own lines come through the logger factory: they are the ones another host used to take.
        await first.WaitForAsync("Request starting");
        Assert.DoesNotContain($"…{app.Key[^4..]}", second.Render());
    }

    private static void Verbose(PortalAppFactory factory, CapturingSink sink)
    {
        factory.Settings["Serilog:MinimumLevel:Default"] = "Verbose";
        factory.Settings["Serilog:MinimumLevel:Override:Microsoft.AspNetCore"] = "Verbose";
        factory.ConfigureServices = services => services.AddSingleton<ILogEventSink>(sink);
    }

    private sealed class CapturingSink : ILogEventSink
    {
        private readonly List<LogEvent> _events = [];
        private readonly SemaphoreSlim _emitted = new(0);

        public void Emit(LogEvent logEvent)
        {
            lock (_events) _events.Add(logEvent);
            _emitted.Release();
        }

        /// <summary>Returns once a rendered event contains <paramref name="text"/>; fails after a generous bound.</summary>
        public async Task WaitForAsync(string text)
        {
            var deadline = TimeSpan.FromSeconds(30);
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (!Render().Contains(text))
            {
                var left = deadline - waited.Elapsed;
                Assert.True(left > TimeSpan.Zero && await _emitted.WaitAsync(left), $"no log line with '{text}' in {deadline.TotalSeconds} s");
            }
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
