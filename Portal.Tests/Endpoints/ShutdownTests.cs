using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Portal.Hosting.Shutdown;
using Portal.Tests.Endpoints.Ingestion;

namespace Portal.Tests.Endpoints;

public sealed class ShutdownTests
{
    private static string Track(string messageId) => $$"""{"type":"track","userId":"u","event":"E","messageId":"{{messageId}}"}""";

    [Fact]
    public async Task OnceShutdownBeginsARequestOnAnOpenConnectionIsAnswered503WithConnectionClose()
    {
        // The drain window runs on a fake clock: the server stays up, answering, until the test lets the window pass.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await IngestionApp.StartAsync(f =>
        {
            f.Settings["Shutdown:DrainSeconds"] = "30";
            f.ConfigureServices = services => services.AddSingleton<TimeProvider>(time);
        }, kestrel: true);
        // One connection, kept alive between the two requests, as Segment's sender keeps it.
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { BaseAddress = new Uri(app.BaseAddress!) };
        var before = await client.PostAsync($"/data/segmentio/{app.Key}", IngestionApp.Json(Track("a")));
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.NotEqual(true, before.Headers.ConnectionClose);

        app.Factory.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        var during = await client.PostAsync($"/data/segmentio/{app.Key}", IngestionApp.Json(Track("b")));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, during.StatusCode);
        Assert.Equal("1", during.Headers.GetValues("Retry-After").Single());
        Assert.True(during.Headers.ConnectionClose);
        Assert.Contains("shutting down", await during.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/healthz/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        await using (var db = await app.DbAsync())
            Assert.Equal(["a"], await db.Events.Select(e => e.MessageId).ToListAsync());
        time.Advance(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task TheDrainWindowHoldsShutdownForItsSecondsOnTheClock()
    {
        var time = new FakeTimeProvider();
        var drain = new ShutdownDrain(Options.Create(new ShutdownOptions { DrainSeconds = 3 }), time);

        var stop = drain.StoppingAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(3) - TimeSpan.FromMilliseconds(1));
        Assert.False(stop.IsCompleted);

        time.Advance(TimeSpan.FromMilliseconds(1));
        await stop.WaitAsync(TimeSpan.FromSeconds(30));
    }
}
