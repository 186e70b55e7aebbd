using System.Net;
using System.Net.Sockets;
using Portal.Core.TestEvents;

namespace Portal.Tests.Core.TestEvents;

/// <summary>Against real sockets on 127.0.0.1: a small listener, a closed port, a silent server.</summary>
public sealed class TestEventSenderTests
{
    [Fact]
    public async Task AnEmptySuccessIsReportedWithStatusHeadersAndLatency()
    {
        using var listener = new HttpListener();
        var port = FreePort();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        string? received = null;
        var server = Task.Run(async () =>
        {
            var context = await listener.GetContextAsync();
            received = await new StreamReader(context.Request.InputStream).ReadToEndAsync();
            context.Response.StatusCode = 200;
            context.Response.Headers["X-Probe"] = "yes";
            context.Response.Close();
        });

        var result = await new TestEventSender(new HttpClient()).SendAsync($"http://127.0.0.1:{port}/data/segmentio/k", "{\"type\":\"track\"}");
        await server;

        Assert.Equal(200, result.StatusCode);
        Assert.True(result.Succeeded);
        Assert.True(result.IsEmptyBody);
        Assert.Null(result.NetworkError);
        Assert.Contains(result.Headers, h => h.Key == "X-Probe" && h.Value == "yes");
        Assert.True(result.Latency > TimeSpan.Zero);
        Assert.Equal("{\"type\":\"track\"}", received);
    }

    [Fact]
    public async Task ARefusedConnectionIsAMessageNotAnException()
    {
        var result = await new TestEventSender(new HttpClient()).SendAsync($"http://127.0.0.1:{FreePort()}/data/segmentio/k", "{}");

        Assert.Null(result.StatusCode);
        Assert.False(result.Succeeded);
        Assert.Contains("refused", result.NetworkError);
    }

    [Fact]
    public async Task ASilentServerTimesOutWithAMessage()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var sender = new TestEventSender(new HttpClient()) { Timeout = TimeSpan.FromMilliseconds(300) };

        var result = await sender.SendAsync($"http://127.0.0.1:{port}/data/segmentio/k", "{}");

        Assert.Null(result.StatusCode);
        Assert.Contains("timed out", result.NetworkError);
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
