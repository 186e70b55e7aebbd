using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Endpoints.Forwarding;

/// <summary>A 200 from Portal means the message reaches Pendo: even when Portal is killed before it could forward it.</summary>
public sealed class ForwardingAfterKillTests
{
    [Fact]
    public async Task MessagesAcceptedBeforePortalIsKilledReachPendoAfterARestart()
    {
        // Pendo is down at first: connections to its port are refused, so the outbox fills.
        await using var pendo = new FakePendo();
        var pendoKey = Guid.NewGuid().ToString();
        await using var portal = new PortalProcess(new Dictionary<string, string>
        {
            ["Forwarding__Regions__0__Name"] = "Fake",
            ["Forwarding__Regions__0__BaseUrl"] = pendo.BaseUrl,
            ["Forwarding__InitialBackoffSeconds"] = "0.2",
            ["Forwarding__MaxBackoffSeconds"] = "1",
            ["Forwarding__LeaseSeconds"] = "5",
            ["Forwarding__RequestTimeoutSeconds"] = "4",
            ["Forwarding__PollMilliseconds"] = "200",
        });
        Assert.Equal(0, (await portal.RunCliAsync("apps", "create", "--name", "Shop")).Exit);
        var issued = await portal.RunCliAsync("keys", "create", "--app", "Shop", "--json");
        issued.Output = "\n" + issued.Output;
        // Start-up log lines (the first run applies migrations) may precede the JSON on stdout.
        var portalKey = JsonDocument.Parse(issued.Output[issued.Output.IndexOf("\n{", StringComparison.Ordinal)..]).RootElement.GetProperty("key").GetString()!;
        Assert.Equal(0, (await portal.RunCliAsync("keys", "import", "--app", "Shop", "--key", pendoKey)).Exit);
        var forward = await portal.RunCliAsync("apps", "forward", "--app", "Shop", "--region", "Fake", "--key-hint", pendoKey[^4..]);
        Assert.True(forward.Exit == 0, forward.Error);

        await portal.StartAsync();
        var ids = Enumerable.Range(0, 30).Select(i => $"kill-{i}").ToList();
        using (var client = new HttpClient { BaseAddress = new Uri(portal.Url) })
        {
            foreach (var chunk in ids.Chunk(10))
            {
                var body = "[" + string.Join(",", chunk.Select(id => $$"""{"type":"track","userId":"u","event":"E","messageId":"{{id}}"}""")) + "]";
                var response = await client.PostAsync($"/data/segmentio/{portalKey}", new StringContent(body, Encoding.UTF8, "application/json"));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }
        await portal.KillAsync();
        Assert.Equal(30, await WaitingAsync(portal.DatabasePath));

        var everything = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        pendo.RequestReceived += () =>
        {
            if (ids.All(pendo.DeliveredIds.Contains)) everything.TrySetResult();
        };
        await pendo.StartAsync();
        await portal.StartAsync();
        await everything.Task.WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(ids.Order(), pendo.DeliveredIds.Distinct().Order());
        Assert.All(pendo.Requests, r => Assert.Equal(pendoKey, r.Key));
        // Delivered is recorded just after Pendo's answer: wait for the outbox to say so.
        await WaitUntilAsync(async () => await WaitingAsync(portal.DatabasePath) == 0);
    }

    private static async Task<long> WaitingAsync(string database)
    {
        await using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT coalesce(sum(Count), 0) FROM ForwardingOutbox WHERE State = 0";
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Re-checks a condition whenever the process may have moved on, within a generous bound; no fixed sleep decides the outcome.</summary>
    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        while (!await condition()) await tick.WaitForNextTickAsync(timeout.Token);
    }
}
