using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Portal.Tests.Endpoints.Ingestion;
using Serilog;
using Serilog.Settings.Configuration;

namespace Portal.Tests.Endpoints;

public sealed class LogFileTests
{
    [Fact]
    public async Task AFloodOfLinesRollsTheShippedFileSinkBySizeAndKeepsOnlyTheRetainedFiles()
    {
        await using var app = await IngestionApp.StartAsync();
        var folder = Directory.CreateTempSubdirectory("portal-logs-").FullName;
        // Portal's own File sink settings, only with a small size and count so a few hundred lines are a flood.
        var file = app.Factory.Services.GetRequiredService<IConfiguration>().GetSection("Serilog:WriteTo:1");
        var settings = file.AsEnumerable(makePathsRelative: true).Where(p => p.Value is not null)
            .ToDictionary(p => "Serilog:WriteTo:0:" + p.Key, p => p.Value);
        settings["Serilog:WriteTo:0:Args:path"] = Path.Combine(folder, "portal-.log");
        settings["Serilog:WriteTo:0:Args:fileSizeLimitBytes"] = "2000";
        settings["Serilog:WriteTo:0:Args:retainedFileCountLimit"] = "3";
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

        using (var logger = new LoggerConfiguration()
                   .ReadFrom.Configuration(configuration, new ConfigurationReaderOptions(typeof(FileLoggerConfigurationExtensions).Assembly))
                   .CreateLogger())
        {
            for (var i = 0; i < 300; i++) logger.Information("HTTP POST {RequestPath} responded {StatusCode}", "/data/segmentio/…abcd", 401);
        }

        var files = new DirectoryInfo(folder).GetFiles();
        Assert.Equal(3, files.Length);
        // The sink starts a new file once the current one has reached the limit: at most one line over.
        Assert.All(files, f => Assert.InRange(f.Length, 1, 2000 + 200));
        Directory.Delete(folder, recursive: true);
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
