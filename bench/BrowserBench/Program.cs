// What a person waits for on each grid page, in Debian's Chromium driven by Playwright (no browser download):
//   BrowserBench <base url> <email> <password> <application id> [page name: only that page]
// Signs in once, requests every page 60 times over HTTP (to warm the server), times a static file as the reference
// (this browser's floor on this machine), then per page: 1 warm-up and 5 timed loads (BENCH_RUNS), from navigation start
// to the first data row on screen (the animation frame after the row enters the DOM); then, on the live page, the time
// from the last keystroke of a search (debounce included) and from a click on "next page" to the changed rows.
// Prints median and worst; exit code 1 when a page's median passes 100 ms or its worst 300 ms.
using System.Diagnostics;
using Microsoft.Playwright;

if (args.Length is not (4 or 5))
{
    Console.Error.WriteLine("usage: BrowserBench <base url> <email> <password> <application id> [page name]");
    return 2;
}
var (baseUrl, email, password, app) = (args[0].TrimEnd('/'), args[1], args[2], args[3]);
// BENCH_RUNS=<n> times more loads when the machine is busy (medians of 5 move by tens of ms under load).
var Runs = int.TryParse(Environment.GetEnvironmentVariable("BENCH_RUNS"), out var runs) && runs > 0 ? runs : 5;
const int WarmupRequests = 60;

// Records, in every document from its start, when the first element matching window.__rowSelector is painted.
const string FirstRowProbe = """
    (() => {
      window.__firstRow = null;
      const check = () => {
        let selector;
        try { selector = sessionStorage.getItem('bench-row'); } catch { return true; } // about:blank has no storage
        if (window.__firstRow !== null || !selector || !document.querySelector(selector)) return false;
        requestAnimationFrame(() => { if (window.__firstRow === null) window.__firstRow = performance.now(); });
        return true;
      };
      const observer = new MutationObserver(() => { if (check()) observer.disconnect(); });
      observer.observe(document, { childList: true, subtree: true });
    })();
    """;

var pages = new (string Name, string Path, string Grid, string? Search, string? SearchTerm)[]
{
    ("Data Mappings", $"/applications/{app}/data-mappings", "field-grid", "field-search", "field_1"),
    ("Visitors", $"/visitors?app={app}", "visitor-grid", "visitor-search", "user-0421"),
    ("Accounts", $"/accounts?app={app}", "account-grid", "account-search", "acct-0042"),
    ("Track events", $"/events?app={app}", "event-grid", "event-search", "Report"),
    ("Ingestion log", $"/ingestion-log?app={app}", "log-grid", null, null),
};

using var playwright = await Playwright.CreateAsync();
await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
{
    ExecutablePath = "/usr/bin/chromium",
    Headless = true,
    Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"],
});
await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseUrl });
context.SetDefaultTimeout(30_000);
await context.AddInitScriptAsync(FirstRowProbe);
var page = await context.NewPageAsync();
// A page that never goes live says why here (a blocked script, say) instead of only timing out.
page.Console += (_, m) => { if (m.Type == "error") Console.Error.WriteLine("browser console: " + m.Text); };
page.PageError += (_, m) => Console.Error.WriteLine("page error: " + m);

await page.GotoAsync("/Account/Login");
await page.FillAsync("#email", email);
await page.FillAsync("#password", password);
await page.ClickAsync("[data-testid=login-submit]");
await WaitForCircuitAsync(page);

// A Portal that has been up for a while: each page's server code is past .NET's first, unoptimized JIT tier (methods are
// recompiled after ~30 calls). Without this the timed loads of a freshly started server ran partly unoptimized code, and
// the figures depended on how long the server had been up. Background recompiles (tier 1 with PGO) go on for ~1,000
// requests a page, but warming that long did not change the figures measurably. Plain HTTP requests with the browser's
// cookie, so the browser itself starts every timed load as before.
foreach (var (_, path, _, _, _) in pages)
    for (var i = 0; i < WarmupRequests; i++)
        if ((await context.APIRequest.GetAsync(path)).Status != 200) throw new InvalidOperationException($"warm-up: {path} did not answer 200");

var failed = false;
// What this browser and machine take for any document, the floor under every figure below: the same probe, timing the
// frame that first shows the <svg> of Portal's favicon (a 300-byte static file, no server rendering, no stylesheet).
await page.EvaluateAsync("s => sessionStorage.setItem('bench-row', s)", "svg");
var floor = new List<double>();
for (var run = 0; run <= Runs; run++)
{
    await LeaveAsync(page);
    await page.GotoAsync("/favicon.svg", new PageGotoOptions { WaitUntil = WaitUntilState.Load });
    await page.WaitForFunctionAsync("() => window.__firstRow !== null", null, new() { PollingInterval = 5 });
    if (run > 0) floor.Add(await page.EvaluateAsync<double>("() => window.__firstRow"));
}
var (floorMedian, floorWorst) = Summary(floor);
Console.WriteLine($"reference: a static 300-byte file (favicon.svg) shows in {floorMedian:F0} ms median, {floorWorst:F0} ms worst ({Runs} loads)");
await page.GotoAsync("/");
await WaitForCircuitAsync(page);

Console.WriteLine($"{"page",-16} {"first row: median ms",21} {"worst ms",9}   {"search: median",15} {"worst",7}   {"next page: median",18} {"worst",7}");
foreach (var (name, path, grid, search, term) in pages.Where(p => args.Length == 4 || p.Name == args[4]))
{
    var rowSelector = $"[data-testid={grid}] tbody tr.mud-table-row > td[data-label]";
    await page.EvaluateAsync("s => sessionStorage.setItem('bench-row', s)", rowSelector);
    var firstRow = new List<double>();
    var phases = new List<double[]>();
    for (var run = 0; run <= Runs; run++)
    {
        await LeaveAsync(page);
        var trace = Environment.GetEnvironmentVariable("BENCH_TRACE");
        ICDPSession? cdp = null;
        var traceEvents = new List<string>();
        var traceDone = new TaskCompletionSource();
        if (trace is not null && run == Runs)
        {
            cdp = await context.NewCDPSessionAsync(page);
            cdp.Event("Tracing.dataCollected").OnEvent += (_, e) => { foreach (var v in e!.Value.GetProperty("value").EnumerateArray()) traceEvents.Add(v.GetRawText()); };
            cdp.Event("Tracing.tracingComplete").OnEvent += (_, _) => traceDone.TrySetResult();
            await cdp.SendAsync("Tracing.start", new Dictionary<string, object> { ["categories"] = "devtools.timeline,blink,blink.user_timing,loading,v8.execute,disabled-by-default-devtools.timeline", ["transferMode"] = "ReportEvents" });
        }
        await page.GotoAsync(path, new PageGotoOptions { WaitUntil = WaitUntilState.Load });
        await page.WaitForFunctionAsync("() => window.__firstRow !== null", null, new() { PollingInterval = 5 });
        if (cdp is not null)
        {
            await cdp.SendAsync("Tracing.end");
            await traceDone.Task;
            await File.WriteAllTextAsync(trace!, "[" + string.Join(",\n", traceEvents) + "]");
        }
        // The page goes live before the next load, as it would for a person reading it: otherwise its circuit's start-up (the
        // interactive render of the whole page) runs beside the next load's prerender and each run slows the next.
        await WaitForCircuitAsync(page);
        if (run == 0) continue;
        firstRow.Add(await page.EvaluateAsync<double>("() => window.__firstRow"));
        // Where the time went: the server's first byte, the last byte of the HTML, the parser done (scripts run).
        phases.Add(await page.EvaluateAsync<double[]>("""
            () => { const n = performance.getEntriesByType('navigation')[0];
                    const css = performance.getEntriesByType('resource').filter(r => r.initiatorType === 'link').reduce((m, r) => Math.max(m, r.responseEnd), 0);
                    const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? 0;
                    return [n.responseStart, n.responseEnd, n.domInteractive, css, fcp]; }
            """));
    }
    var phaseMedians = Enumerable.Range(0, 5).Select(i => phases.Select(p => p[i]).Order().ElementAt(phases.Count / 2)).ToArray();
    await WaitForCircuitAsync(page);

    var searchTimes = new List<double>();
    if (search is not null)
    {
        // MudTextField puts its attributes on the input itself.
        var box = page.Locator($"input[data-testid={search}], [data-testid={search}] input");
        for (var run = 0; run < Runs; run++)
        {
            // Alternate between the term and empty, so each run changes the rows.
            var value = run % 2 == 0 ? term! : "";
            var before = await FirstRowTextAsync(page, grid);
            var sw = Stopwatch.StartNew();
            await box.FillAsync(value);
            await WaitForChangeAsync(page, grid, before);
            searchTimes.Add(sw.Elapsed.TotalMilliseconds);
        }
        await box.FillAsync("");
        await page.GotoAsync(path);
    }

    var nextTimes = new List<double>();
    await page.Locator(rowSelector).First.WaitForAsync();
    await WaitForCircuitAsync(page);
    for (var run = 0; run < Runs; run++)
    {
        var next = page.Locator($"[data-testid={grid}] button[aria-label='Next page']");
        // With BENCH_RUNS above the page count (Track events has a few pages of names), stop at the last page.
        if (!await next.IsEnabledAsync()) break;
        var before = await FirstRowTextAsync(page, grid);
        var sw = Stopwatch.StartNew();
        await next.ClickAsync();
        await WaitForChangeAsync(page, grid, before);
        nextTimes.Add(sw.Elapsed.TotalMilliseconds);
    }

    var (median, worst) = Summary(firstRow);
    var over = median > 100 || worst > 300;
    failed |= over;
    Console.WriteLine($"{name,-16} {median,21:F0} {worst,9:F0}   {Column(searchTimes),23}   {Column(nextTimes),26}{(over ? "  OVER (100 ms median / 300 ms worst)" : "")}");
    Console.WriteLine($"{"",-16}   medians: first byte {phaseMedians[0]:F0} ms, HTML received {phaseMedians[1]:F0} ms, DOM interactive {phaseMedians[2]:F0} ms, stylesheets {phaseMedians[3]:F0} ms, first paint {phaseMedians[4]:F0} ms");
}
return failed ? 1 : 0;

// Between loads: an empty page, and the renderer done with the page before it. about:blank's load event comes before the
// previous document (a live Blazor page: its circuit, scripts and heap) is torn down, which then kept the renderer's main
// thread busy for ~40 ms into the next load, and was timed as part of it. A person opening a page has no such page
// being unloaded in the same instant; the frame after the teardown task is the condition to wait for.
static async Task LeaveAsync(IPage page)
{
    await page.GotoAsync("about:blank");
    await page.EvaluateAsync("() => new Promise(r => requestAnimationFrame(() => setTimeout(r)))");
}

// The layout renders the marker only once the circuit is live; a screenshot says why when it never is.
static async Task WaitForCircuitAsync(IPage page)
{
    try
    {
        await page.Locator("[data-testid=circuit-ready]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
    }
    catch (TimeoutException)
    {
        var shot = Path.Combine(Path.GetTempPath(), "browserbench-no-circuit.png");
        await page.ScreenshotAsync(new() { Path = shot });
        throw new TimeoutException($"No live circuit at {page.Url} within 30 s (screenshot: {shot}).");
    }
}

static (double Median, double Worst) Summary(List<double> times)
{
    times.Sort();
    return (times[times.Count / 2], times[^1]);
}

static string Column(List<double> times)
{
    if (times.Count == 0) return "n/a";
    var (median, worst) = Summary(times);
    return $"{median,15:F0} {worst,7:F0}";
}

static Task<string> FirstRowTextAsync(IPage page, string grid) =>
    page.EvaluateAsync<string>("g => document.querySelector(`[data-testid=${g}] tbody tr.mud-table-row`)?.textContent ?? ''", grid);

static Task WaitForChangeAsync(IPage page, string grid, string before) =>
    page.WaitForFunctionAsync("([g, b]) => { const r = document.querySelector(`[data-testid=${g}] tbody tr.mud-table-row`); return r && r.textContent !== b && !document.querySelector(`[data-testid=${g}] .mud-table-loading`); }",
        new object[] { grid, before }, new() { PollingInterval = 5 });
