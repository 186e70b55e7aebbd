using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Ingestion;
using Portal.Tests.Infrastructure;
using Serilog.Core;
using Serilog.Events;

namespace Portal.Tests.Endpoints.Ingestion;

/// <summary>A client's broken request is a 4xx with a reason, on the Ingestion log, never a 500.</summary>
public sealed class IngestionClientFaultTests
{
    private static async Task<HttpResponseMessage> PostBytesAsync(IngestionApp app, byte[] body, string path = "segmentio")
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        return await app.Client().PostAsync($"/data/{path}/{app.Key}", content);
    }

    private static byte[] WithInvalidUtf8(string before, string after) =>
        [.. Encoding.UTF8.GetBytes(before), 0xC3, 0x28, .. Encoding.UTF8.GetBytes(after)];

    [Theory]
    [InlineData("segmentio", "{\"type\":\"identify\",\"userId\":\"u-1\",\"traits\":{\"name\":\"x", "\"}}")]
    [InlineData("segmentio", "{\"type\":\"identify\",\"userId\":\"u-1\",\"traits\":{\"na", "me\":\"x\"}}")]
    [InlineData("segmentio", "[{\"type\":\"track\",\"userId\":\"u-1\",\"event\":\"A\"},{\"type\":\"track\",\"userId\":\"u-", "\",\"event\":\"B\"}]")]
    [InlineData("agent", "{\"visitor\":{\"id\":\"v-1\",\"name\":\"x", "\"}}")]
    public async Task InvalidUtf8InAStringOrAPropertyNameIs400WithAReason(string path, string before, string after)
    {
        await using var app = await IngestionApp.StartAsync();

        var response = await PostBytesAsync(app, WithInvalidUtf8(before, after), path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not valid UTF-8", await response.Content.ReadAsStringAsync());
        await using var db = await app.DbAsync();
        Assert.Empty(await db.Events.ToListAsync());
        var entry = await db.IngestionLog.SingleAsync();
        Assert.Equal(400, entry.StatusCode);
        Assert.Contains("not valid UTF-8", entry.FirstError);
    }

    [Theory]
    [InlineData("""{"type":"identify","userId":"u\ud800","traits":{}}""")]
    [InlineData("""{"type":"identify","userId":"u-1","traits":{"\udc00name":1}}""")]
    [InlineData("""{"type":"track","userId":"u-1","event":"A","properties":{"p":"x\ud800\u0041"}}""")]
    public async Task ALoneSurrogateEscapeIs400WithAReason(string body)
    {
        await using var app = await IngestionApp.StartAsync();

        var response = await app.PostAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("surrogate", await response.Content.ReadAsStringAsync());
        await using var db = await app.DbAsync();
        Assert.Equal(400, (await db.IngestionLog.SingleAsync()).StatusCode);
    }

    [Fact]
    public async Task APairedSurrogateEscapeAndAnEscapedBackslashAreAccepted()
    {
        await using var app = await IngestionApp.StartAsync();

        var response = await app.PostAsync("""{"type":"identify","userId":"u-1","traits":{"emoji":"\ud83d\ude00","path":"C:\\udata"}}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task BadChunkFramingIs400OnTheIngestionLog()
    {
        await using var app = await IngestionApp.StartAsync(kestrel: true);

        var answer = await RawExchangeAsync(app, $"POST /data/segmentio/{app.Key} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" +
            "Transfer-Encoding: chunked\r\n\r\n5\r\n{\"a\":\r\nzz-not-a-size\r\n");

        Assert.StartsWith("HTTP/1.1 400", answer);
        Assert.Contains("badly framed", answer);
        await using var db = await app.DbAsync();
        var entry = await db.IngestionLog.SingleAsync();
        Assert.Equal(400, entry.StatusCode);
        Assert.Contains("badly framed", entry.FirstError);
    }

    [Fact]
    public async Task AClientThatStallsMidBodyGets408AfterTheConfiguredBodyTimeout()
    {
        await using var app = await IngestionApp.StartAsync(f => f.Settings["Ingestion:RequestBodyTimeoutSeconds"] = "1", kestrel: true);

        // Promises 400 bytes, sends 20, then waits: the server's answer is the condition.
        var answer = await RawExchangeAsync(app, $"POST /data/segmentio/{app.Key} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" +
            "Content-Length: 400\r\n\r\n{\"type\":\"track\",\"us");

        Assert.StartsWith("HTTP/1.1 408", answer);
        Assert.Contains("did not arrive in time", answer);
        await using var db = await app.DbAsync();
        Assert.Equal(408, (await db.IngestionLog.SingleAsync()).StatusCode);
    }

    [Fact]
    public async Task RepeatedClientFaultsAreLoggedAsOneLineWithoutAStackTrace()
    {
        var sink = new CapturingLogSink();
        await using var app = await IngestionApp.StartAsync(f => f.ConfigureServices = s => s.AddSingleton<ILogEventSink>(sink));

        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.BadRequest, (await app.PostAsync("""{"type":"identify","userId":"u\ud800"}""")).StatusCode);

        var lines = sink.From("ClientFaultLog");
        var line = Assert.Single(lines);
        Assert.Equal(LogEventLevel.Warning, line.Level);
        Assert.Contains("surrogate", line.RenderMessage());
        var failures = sink.Events.Where(e => e.Exception is not null || e.Level >= LogEventLevel.Error).ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures.Select(e => $"{e.Level} {e.RenderMessage()} {e.Exception}")));
    }

    /// <summary>Sends raw bytes on a fresh connection and returns everything the server answers before it closes the connection.</summary>
    private static async Task<string> RawExchangeAsync(IngestionApp app, string request)
    {
        var uri = new Uri(app.BaseAddress!);
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, uri.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        await stream.FlushAsync();
        // A guard against hanging forever if the server never answers; the test waits on the answer itself.
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var received = new MemoryStream();
        var buffer = new byte[4096];
        while (true)
        {
            var read = await stream.ReadAsync(buffer, guard.Token);
            if (read == 0) break;
            received.Write(buffer, 0, read);
            var text = Encoding.UTF8.GetString(received.ToArray());
            if (HasWholeResponse(text)) return text;
        }
        return Encoding.UTF8.GetString(received.ToArray());
    }

    private static bool HasWholeResponse(string text)
    {
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0) return false;
        var headers = text[..end];
        var length = headers.Split("\r\n").FirstOrDefault(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        if (length is null) return false;
        return Encoding.UTF8.GetByteCount(text[(end + 4)..]) >= int.Parse(length["Content-Length:".Length..].Trim());
    }
}
