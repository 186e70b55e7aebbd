using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace Portal.Core.TestEvents;

/// <summary>
/// Posts test events to a webhook URL, as Segment's "Test Mapping" does, and reports status, headers,
/// body and latency. Network failures become a message, never an exception.
/// </summary>
public sealed class TestEventSender(HttpClient http)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long a target may take to answer; beyond it the send reports a time-out.</summary>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    public async Task<TestEventResult> SendAsync(string url, string json, int messages = 1, string? signature = null, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("Portal-Test-Event-Sender", "1.0"));
        if (signature is not null) request.Headers.Add("X-Signature", signature);
        var clock = Stopwatch.StartNew();
        try
        {
            using var response = await http.SendAsync(request, timeout.Token);
            var body = await response.Content.ReadAsStringAsync(timeout.Token);
            clock.Stop();
            var headers = response.Headers.Concat(response.Content.Headers)
                .Select(h => new KeyValuePair<string, string>(h.Key, string.Join(", ", h.Value)))
                .OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase)
                .ToList();
            return new TestEventResult(url, (int)response.StatusCode, response.ReasonPhrase, headers, body, clock.Elapsed, null, messages);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Failed(url, clock, $"No answer within {Timeout.TotalSeconds:0} seconds (timed out).", messages);
        }
        catch (HttpRequestException ex)
        {
            return Failed(url, clock, Describe(ex), messages);
        }
    }

    private static TestEventResult Failed(string url, Stopwatch clock, string error, int messages) =>
        new(url, null, null, [], "", clock.Elapsed, error, messages);

    private static string Describe(HttpRequestException ex) => ex.InnerException switch
    {
        SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain } =>
            "The host name could not be resolved (DNS): check the URL, or this server has no route to it.",
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } => "The connection was refused: nothing listens at that address and port.",
        SocketException s => $"Network error: {s.Message}",
        _ when ex.HttpRequestError == HttpRequestError.NameResolutionError =>
            "The host name could not be resolved (DNS): check the URL, or this server has no route to it.",
        _ when ex.HttpRequestError == HttpRequestError.ConnectionError => $"Could not connect: {ex.Message}",
        _ when ex.HttpRequestError == HttpRequestError.SecureConnectionError => $"The TLS handshake failed: {ex.Message}",
        _ => $"The request failed: {ex.Message}",
    };
}
