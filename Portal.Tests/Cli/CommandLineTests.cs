using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Portal.Cli;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Cli;

/// <summary>The command line's own contract: usage errors exit 2, help prints usage, and neither starts the web server.</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly PortalAppFactory _portal = new();

    [Theory]
    [InlineData("apps", "create")]
    [InlineData("apps", "list", "--bogus")]
    [InlineData("frobnicate")]
    public async Task AMalformedCommandExitsTwoWithTheReasonOnStderr(params string[] args)
    {
        var (exit, _, error) = await _portal.RunCliAsync(args);

        Assert.Equal(2, exit);
        Assert.Contains("error:", error);
        Assert.Contains("--help", error);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("help")]
    [InlineData("-h")]
    public async Task HelpPrintsUsageAndExitsZero(string help)
    {
        var (exit, output, _) = await _portal.RunCliAsync(help);

        Assert.Equal(0, exit);
        Assert.Contains("send-test-event", output);
        Assert.Contains("apps", output);
    }

    [Fact]
    public void OnlyNoArgumentsOrConfigurationSwitchesStartTheServer()
    {
        Assert.False(PortalCli.IsCommand([]));
        Assert.False(PortalCli.IsCommand(["--urls", "http://127.0.0.1:5001"]));
        Assert.True(PortalCli.IsCommand(["--help"]));
        Assert.True(PortalCli.IsCommand(["help"]));
        Assert.True(PortalCli.IsCommand(["frobnicate"]));
        Assert.True(PortalCli.IsCommand(["apps", "list"]));
    }

    [Fact]
    public async Task HelpFromTheBuiltAppPrintsUsageAndExitsWithoutListening()
    {
        // The real entry point, as `dotnet Portal.dll --help` runs it: a server would never exit on its own.
        var start = new ProcessStartInfo("dotnet", ["Portal.dll", "--help"])
        {
            WorkingDirectory = AppContext.BaseDirectory, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        start.Environment["Database__SqlitePath"] = _portal.DatabasePath;
        start.Environment["KeyRing__Path"] = Path.Combine(_portal.DataDirectory, "keys");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(0, process.ExitCode);
        Assert.Contains("send-test-event", await output);
        Assert.DoesNotContain("Now listening", await output);
    }

    [Fact]
    public async Task AppsettingsProductionJsonInTheFolderPortalRunsFromIsRead()
    {
        // As documented: Production (a published app, or `dotnet run --no-launch-profile`) reads appsettings.Production.json
        // from the folder it runs in, beside appsettings.json.
        var folder = Directory.CreateTempSubdirectory("portal-settings-").FullName;
        try
        {
            var database = Path.Combine(folder, "from-production-settings.db");
            await File.WriteAllTextAsync(Path.Combine(folder, "appsettings.Production.json"), System.Text.Json.JsonSerializer.Serialize(new
            {
                Database = new { SqlitePath = database }, KeyRing = new { Path = Path.Combine(folder, "keys") },
            }));
            var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Portal.dll"), "apps", "list", "--json"])
            {
                WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true,
            };
            start.Environment.Remove("ASPNETCORE_ENVIRONMENT");
            start.Environment.Remove("DOTNET_ENVIRONMENT");
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await process.WaitForExitAsync(timeout.Token);

            Assert.Equal(0, process.ExitCode);
            Assert.Equal("[]", (await output).Trim());
            Assert.True(File.Exists(database), "The CLI did not use the database named in appsettings.Production.json.");
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    [Theory]
    [InlineData(null, "http://localhost:5000")]
    [InlineData("http://+:8080", "http://127.0.0.1:8080")]
    [InlineData("http://0.0.0.0:5100;https://*:5101", "http://127.0.0.1:5100")]
    [InlineData("http://127.0.0.1:5002", "http://127.0.0.1:5002")]
    public void WithoutAPublicBaseUrlOrARunningServerThisPortalIsWhereTheUrlsSettingSaysItListens(string? urls, string expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["urls"] = urls }).Build();

        Assert.Equal(expected, new Portal.Hosting.KestrelListenAddress(new NotStartedServer(), configuration).BaseUrl);
    }

    /// <summary>The command line's server: built, never started, so it has bound no address.</summary>
    private sealed class NotStartedServer : Microsoft.AspNetCore.Hosting.Server.IServer
    {
        public Microsoft.AspNetCore.Http.Features.IFeatureCollection Features { get; } = new Microsoft.AspNetCore.Http.Features.FeatureCollection();
        public Task StartAsync<TContext>(Microsoft.AspNetCore.Hosting.Server.IHttpApplication<TContext> application, CancellationToken cancellationToken) where TContext : notnull => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public void Dispose() { }
    }

    public void Dispose() => _portal.Dispose();
}
