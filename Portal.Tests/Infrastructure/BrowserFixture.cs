using Microsoft.Playwright;

namespace Portal.Tests.Infrastructure;

/// <summary>
/// One headless Debian Chromium for a test collection (a launch costs ~2.5 s). Driven by
/// Microsoft.Playwright with <c>ExecutablePath=/usr/bin/chromium</c>: no browser download, ever.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"{ChromiumPath} is missing: run ./test.sh, which installs Debian's chromium.");
        _playwright = await Playwright.CreateAsync();
        // Expect(...) waits 5 s by default, shorter than the context's 15 s for actions: on a busy CI machine a
        // circuit's first render can pass 5 s. A passing assertion returns as soon as it holds.
        Assertions.SetDefaultExpectTimeout(15_000);
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic"],
        });
    }

    /// <summary>
    /// Runs a browser scenario in a fresh context; on failure saves a full-page screenshot under
    /// TestResults/ (beside the test assembly's working folder) and rethrows.
    /// </summary>
    public async Task RunAsync(string scenario, string baseUrl, Func<IPage, Task> steps, BrowserNewContextOptions? options = null)
    {
        options ??= new BrowserNewContextOptions();
        options.BaseURL = baseUrl;
        await using var context = await Browser.NewContextAsync(options);
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        try
        {
            await steps(page);
        }
        catch
        {
            var folder = Path.Combine(FindTestResultsRoot(), "TestResults", "screenshots");
            Directory.CreateDirectory(folder);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, $"{scenario}.png"), FullPage = true });
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
    }

    private static string FindTestResultsRoot()
    {
        // The repository root (where Portal.sln lives), so screenshots land in the TestResults/ that ./test.sh collects.
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Portal.sln"))) dir = dir.Parent;
        return dir?.FullName ?? AppContext.BaseDirectory;
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}
