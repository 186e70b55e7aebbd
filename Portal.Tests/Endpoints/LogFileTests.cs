using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Portal.Tests.Endpoints.Ingestion;

namespace Portal.Tests.Endpoints;

public sealed class LogFileTests
{
    [Fact]
    public async Task AFloodOfBadRequestsRollsTheLogBySizeAndKeepsOnlyTheRetainedFiles()
    {
        await using var app = await IngestionApp.StartAsync(f =>
        {
            f.Settings["Serilog:WriteTo:1:Args:fileSizeLimitBytes"] = "2000";
            f.Settings["Serilog:WriteTo:1:Args:retainedFileCountLimit"] = "3";
        });
        var client = app.Client();
        var selfLog = new System.Text.StringBuilder();
        Serilog.Debugging.SelfLog.Enable(m => { lock (selfLog) selfLog.AppendLine(m); });
        var status = (await client.PostAsync("/data/segmentio/not-a-key", IngestionApp.Json("{}"))).StatusCode;

        // Each refused request writes a log line: far more than three files' worth.
        for (var i = 0; i < 150; i++)
            await client.PostAsync("/data/segmentio/not-a-key", IngestionApp.Json("""{"type":"track","userId":"u","event":"E"}"""));

        var logs = new DirectoryInfo(Path.Combine(app.Factory.DataDirectory, "logs"));
        var configured = app.Factory.Services.GetRequiredService<IConfiguration>().GetSection("Serilog:WriteTo:1:Args");
        Assert.True(logs.Exists, $"no log folder; status {status}; file sink: {string.Join(", ", configured.AsEnumerable())}; self log: {selfLog}; sinks: {string.Join(", ", app.Factory.Services.GetServices<Serilog.Core.ILogEventSink>())}; logger {app.Factory.Services.GetService<Serilog.ILogger>()}");
        var files = logs.GetFiles();
        Assert.InRange(files.Length, 2, 3);
        // The sink rolls once a line takes the file past the limit: at most one line over.
        Assert.All(files, f => Assert.InRange(f.Length, 1, 2000 + 300));
    }

    [Fact]
    public async Task TheShippedSettingsBoundTheLogFilesBySizeAndCount()
    {
        await using var app = await IngestionApp.StartAsync();
        var file = app.Factory.Services.GetRequiredService<IConfiguration>().GetSection("Serilog:WriteTo:1");

        Assert.Equal("File", file["Name"]);
        Assert.True(file.GetValue<bool>("Args:rollOnFileSizeLimit"));
        Assert.InRange(file.GetValue<long>("Args:fileSizeLimitBytes"), 1, 100L * 1024 * 1024);
        Assert.InRange(file.GetValue<int>("Args:retainedFileCountLimit"), 1, 50);
    }
}
