using System.Net;
using System.Net.Sockets;
using System.Text;
using Portal.Core.TestEvents;

namespace Portal.Tests.Core.TestEvents;

/// <summary>Against real sockets on 127.0.0.1: a small listener, a closed port, a silent server.</summary>
public sealed class TestEventSenderTests
{
    [Fact]
    public async Task AnEmptySuccessIsReportedWithStatusHeadersAndLatency()
    {
        // Port 0: the listener owns its port from the start, so nothing else can take it in between.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        string? received = null;
        var server = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            received = await ReadRequestBodyAsync(stream);
            await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nX-Probe: yes\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
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
        // Bound but not listening: the port stays ours for the whole test, and a connection to it is refused.
        using var closed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        closed.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)closed.LocalEndPoint!).Port;

        var result = await new TestEventSender(new HttpClient()).SendAsync($"http://127.0.0.1:{port}/data/segmentio/k", "{}");

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

    /// <summary>Reads one HTTP/1.1 request with a Content-Length body and returns the body.</summary>
    private static async Task<string> ReadRequestBodyAsync(NetworkStream stream)
    {
        var buffer = new List<byte>();
        var chunk = new byte[4096];
        int headerEnd;
        while ((headerEnd = IndexOfHeaderEnd(buffer)) < 0)
        {
            var read = await stream.ReadAsync(chunk);
            if (read == 0) throw new IOException("The client closed the connection mid-request.");
            buffer.AddRange(chunk.AsSpan(0, read).ToArray());
        }
        var headers = Encoding.ASCII.GetString(buffer.ToArray(), 0, headerEnd);
        var length = int.Parse(headers.Split("\r\n").Single(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))[15..].Trim());
        while (buffer.Count < headerEnd + 4 + length)
        {
            var read = await stream.ReadAsync(chunk);
            if (read == 0) throw new IOException("The client closed the connection mid-body.");
            buffer.AddRange(chunk.AsSpan(0, read).ToArray());
        }
        return Encoding.UTF8.GetString(buffer.ToArray(), headerEnd + 4, length);
    }

    private static int IndexOfHeaderEnd(List<byte> buffer)
    {
        for (var i = 0; i + 3 < buffer.Count; i++)
            if (buffer[i] == '\r' && buffer[i + 1] == '\n' && buffer[i + 2] == '\r' && buffer[i + 3] == '\n') return i;
        return -1;
    }
}
