// Seeds a bench database and times the data query behind each browse page.
//   PageBench seed <file.db>      fresh file: 1M track events, 100K visitors, 10K accounts, 5K fields
//   PageBench measure <file.db>   each page's query: 1 warm-up, then 7 runs; prints the median and the worst
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Portal.Core;
using Portal.Core.Accounts;
using Portal.Core.Dashboard;
using Portal.Core.Data;
using Portal.Core.Events;
using Portal.Core.Metadata;
using Portal.Core.Seeding;
using Portal.Core.Visitors;

if (args.Length != 2 || args[0] is not ("seed" or "measure"))
{
    Console.Error.WriteLine("usage: PageBench seed|measure <file.db>");
    return 2;
}
var path = Path.GetFullPath(args[1]);

if (args[0] == "seed")
{
    if (File.Exists(path)) { Console.Error.WriteLine($"{path} exists; the seeder wants a fresh file."); return 2; }
    var started = Stopwatch.StartNew();
    var size = Environment.GetEnvironmentVariable("BENCH_SMALL") == "1" ? DemoDataSize.Small : DemoDataSize.Bench;
    await DemoDataSeeder.SeedAsync(path, size, DateTimeOffset.UtcNow, Console.Out);
    Console.WriteLine($"seeded {path} in {started.Elapsed.TotalSeconds:F1} s");
    return 0;
}

var builder = Host.CreateApplicationBuilder();
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["Database:SqlitePath"] = path,
    ["Database:ApplyMigrationsAtStartup"] = "false",
    ["KeyRing:Store"] = "FileSystem",
    ["KeyRing:Path"] = Path.Combine(Path.GetTempPath(), "pagebench-keys"),
});
builder.Logging.ClearProviders();
builder.Services.AddPortalCore();
using var host = builder.Build();
var services = host.Services;

Guid appId;
string topEvent, someVisitor, someAccount;
await using (var db = await services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
{
    appId = await db.Applications.Select(a => a.Id).FirstAsync();
    topEvent = (await db.MetadataFields.Where(f => f.Kind == FieldKind.TrackProperty).Select(f => f.EventName).FirstAsync());
    someVisitor = await db.Visitors.OrderBy(v => v.Id).Skip(await db.Visitors.CountAsync() / 2).Select(v => v.VisitorId).FirstAsync();
    someAccount = await db.Accounts.OrderBy(a => a.Id).Skip(await db.Accounts.CountAsync() / 2).Select(a => a.AccountId).FirstAsync();
}

var mappings = services.GetRequiredService<DataMappingsService>();
var visitors = services.GetRequiredService<VisitorQueries>();
var accounts = services.GetRequiredService<AccountQueries>();
var events = services.GetRequiredService<TrackEventQueries>();
var dashboard = services.GetRequiredService<DashboardService>();

var cases = new List<(string Page, Func<Task> Query)>
{
    ("Dashboard", () => dashboard.GetAsync(appId)),
    ("Data Mappings: visitor, first page", () => mappings.QueryAsync(new DataMappingsQuery(appId, FieldKind.Visitor))),
    ("Data Mappings: account, first page", () => mappings.QueryAsync(new DataMappingsQuery(appId, FieldKind.Account))),
    ("Data Mappings: track, first page", () => mappings.QueryAsync(new DataMappingsQuery(appId, FieldKind.TrackProperty))),
    ("Data Mappings: track, by count desc, page 40", () => mappings.QueryAsync(new DataMappingsQuery(appId, FieldKind.TrackProperty) { SortBy = DataMappingSort.Count, Descending = true, Page = 40 })),
    ("Data Mappings: visitor, search + naming flag", () => mappings.QueryAsync(new DataMappingsQuery(appId, FieldKind.Visitor) { Search = "field_1", AnyFlags = FieldFlags.BreaksNamingRules | FieldFlags.TypeConflict })),
    ("Data Mappings: overflow warning", () => mappings.GetOverflowAsync(appId, FieldKind.Visitor)),
    ("Data Mappings: details drawer (track)", () => mappings.GetDetailsAsync(new FieldKey(appId, FieldKind.TrackProperty, topEvent, "prop_field_1"))),
    ("Data Mappings: CSV export, all track properties", () => mappings.ExportCsvAsync(new DataMappingsQuery(appId, FieldKind.TrackProperty))),
    ("Visitors: first page", () => visitors.SearchAsync(appId, null, VisitorSearchMode.Id, 0, 25)),
    ("Visitors: id prefix search", () => visitors.SearchAsync(appId, "user-0421", VisitorSearchMode.Id, 0, 25)),
    ("Visitors: metadata value search", () => visitors.SearchAsync(appId, "user4242@", VisitorSearchMode.MetadataValue, 0, 25)),
    ("Visitors: metadata value, no match", () => visitors.SearchAsync(appId, "nobody-has-this", VisitorSearchMode.MetadataValue, 0, 25)),
    ("Visitor details", () => visitors.GetAsync(appId, someVisitor)),
    ("Accounts: first page", () => accounts.SearchAsync(appId, null, AccountSort.LastSeen, true, 0, 25)),
    ("Accounts: by visitor count", () => accounts.SearchAsync(appId, null, AccountSort.VisitorCount, true, 0, 25)),
    ("Account details", () => accounts.GetAsync(appId, someAccount)),
    ("Account visitors", () => accounts.VisitorsAsync(appId, someAccount, 0, 25)),
    ("Track events: names, first page", () => events.ListNamesAsync(appId, null, TrackEventSort.Name, 0, 25)),
    ("Track events: names, by last seen", () => events.ListNamesAsync(appId, null, TrackEventSort.LastSeen, 0, 25)),
    ("Track event details (busiest name)", () => events.GetAsync(appId, "Viewed Report")),
};

Console.WriteLine($"{"page query",-52} {"median ms",10} {"worst ms",9}");
var failed = false;
foreach (var (page, query) in cases)
{
    await query();
    var times = new List<double>();
    for (var i = 0; i < 7; i++)
    {
        var sw = Stopwatch.StartNew();
        await query();
        times.Add(sw.Elapsed.TotalMilliseconds);
    }
    times.Sort();
    var worst = times[^1];
    failed |= worst >= 300;
    Console.WriteLine($"{page,-52} {times[times.Count / 2],10:F1} {worst,9:F1}{(worst >= 300 ? "  OVER 300 ms" : "")}");
}
return failed ? 1 : 0;
