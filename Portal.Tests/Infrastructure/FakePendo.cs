using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Portal.Tests.Infrastructure;

/// <summary>
/// Pendo's collector played by a real Kestrel on 127.0.0.1: <c>POST /data/segmentio/{key}</c> with one message or a
/// bare array. It records every request and answers 200, or what <see cref="Refuse"/> says for a messageId. Its port
/// is fixed when it is made, so it can start later (connections refused until then) or stop and start again.
/// </summary>
public sealed class FakePendo : IAsyncDisposable
{
    private readonly ConcurrentQueue<Received> _received = new();
    private WebApplication? _app;

    public FakePendo()
    {
        // A port nobody listens on until StartAsync: connections to it are refused meanwhile.
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
    }

    public int Port { get; }
    public string BaseUrl => $"http://127.0.0.1:{Port}";

    /// <summary>Answers for messages by messageId (status, body); a request holding one is answered with it.</summary>
    public ConcurrentDictionary<string, (int Status, string Body)> Refuse { get; } = new();

    /// <summary>Raised after each request is recorded.</summary>
    public event Action? RequestReceived;

    public IReadOnlyList<Received> Requests => [.. _received];

    /// <summary>The messageIds of the messages answered 2xx, in arrival order.</summary>
    public IReadOnlyList<string> DeliveredIds => [.. _received.Where(r => r.Status < 300).SelectMany(r => r.Messages).Select(m => m.GetProperty("messageId").GetString()!)];

    public static async Task<FakePendo> StartedAsync()
    {
        var pendo = new FakePendo();
        await pendo.StartAsync();
        return pendo;
    }

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, Port));
        var app = builder.Build();
        app.MapPost("/data/segmentio/{key}", async (string key, HttpRequest request) =>
        {
            var body = await new StreamReader(request.Body).ReadToEndAsync();
            using var document = JsonDocument.Parse(body);
            var messages = document.RootElement.ValueKind == JsonValueKind.Array
                ? document.RootElement.EnumerateArray().Select(m => m.Clone()).ToList()
                : [document.RootElement.Clone()];
            var refusal = messages.Select(m => m.TryGetProperty("messageId", out var id) && Refuse.TryGetValue(id.GetString() ?? "", out var r) ? r : default)
                .FirstOrDefault(r => r.Status != 0);
            var status = refusal.Status == 0 ? 200 : refusal.Status;
            _received.Enqueue(new Received(key, status, messages, request.ContentType, body));
            RequestReceived?.Invoke();
            return status == 200 ? Results.Ok() : Results.Text(refusal.Body, "application/json", statusCode: status);
        });
        await app.StartAsync();
        _app = app;
    }

    public async Task StopAsync()
    {
        if (_app is null) return;
        await _app.StopAsync();
        await _app.DisposeAsync();
        _app = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    /// <summary>One request: <paramref name="Body"/> as sent (a JSON object for one message, a bare array for several).</summary>
    public sealed record Received(string Key, int Status, IReadOnlyList<JsonElement> Messages, string? ContentType, string Body);
}
