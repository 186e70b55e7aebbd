// Erasure inside a running Portal: what it costs ingestion while the writer and the erasure take turns.
//   EraseBench <copy of a bench/pages.sh database> <count> [seconds]
// Hosts Portal.Core as the server does (the ingestion writer running), sends single track messages through the
// ingestion service from 8 concurrent senders for <seconds> (default 20) alone, then again while ErasureService erases
// <count> random visitors, as an Admin does from a visitor's page or a list. Prints the erasure's time and each
// phase's request latency (submit to answer: queue, group commit, fsync) as p50 / p99 / max, and messages per second.
using System.Diagnostics;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Portal.Core;
using Portal.Core.Applications;
using Portal.Core.Data;
using Portal.Core.Erasure;
using Portal.Core.Ingestion;
using Portal.Core.Metadata;
using Portal.Core.Security;

if (args.Length is not (2 or 3) || !int.TryParse(args[1], out var count))
{
    Console.Error.WriteLine("usage: EraseBench <database copy> <count> [seconds]");
    return 2;
}
var seconds = args.Length == 3 ? int.Parse(args[2]) : 20;
const int Senders = 8;

var builder = Host.CreateApplicationBuilder();
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["Database:SqlitePath"] = Path.GetFullPath(args[0]),
    ["KeyRing:Store"] = "FileSystem",
    ["KeyRing:Path"] = Path.Combine(Path.GetTempPath(), "erasebench-keys"),
    ["Ingestion:RateLimit:RequestsPerSecond"] = "0",
});
builder.Logging.ClearProviders();
builder.Services.AddPortalCore();
using var host = builder.Build();
await host.Services.GetRequiredService<DatabaseInitializer>().InitializeAsync();
await host.StartAsync();

Guid appId;
List<string> ids;
await using (var db = await host.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
{
    appId = await db.Applications.Select(a => a.Id).FirstAsync();
    ids = await db.Visitors.Where(v => v.ApplicationId == appId).OrderBy(v => EF.Functions.Random()).Take(count + 1).Select(v => v.VisitorId).ToListAsync();
    Console.WriteLine($"Database: {await db.Events.CountAsync()} events; erasing {ids.Count - 1} visitors (and one more to warm up)");
}
await using var admin = host.Services.CreateActorScope(Actor.Console("erase-bench"));
var issued = (await admin.ServiceProvider.GetRequiredService<ApiKeyService>().GenerateAsync(appId, "erase-bench")).Value!;
var key = (await host.Services.GetRequiredService<ApiKeyResolver>().ResolveAsync(issued.Key))!;
var ingestion = host.Services.GetRequiredService<IngestionService>();

// A server that has run a while: JIT done, an erasure of one visitor included.
var warmUp = ids[^1];
ids.RemoveAt(ids.Count - 1);
await LoadAsync("warm-up", TimeSpan.FromSeconds(3), async () =>
{
    await admin.ServiceProvider.GetRequiredService<ErasureService>().DeleteManyAsync(appId, FieldKind.Visitor, [warmUp]);
    return "";
});
await LoadAsync("ingestion alone", TimeSpan.FromSeconds(seconds), null);
await LoadAsync("ingestion while erasing", TimeSpan.FromSeconds(seconds), async () =>
{
    var sw = Stopwatch.StartNew();
    var result = await admin.ServiceProvider.GetRequiredService<ErasureService>().DeleteManyAsync(appId, FieldKind.Visitor, ids);
    return $"erased {result.Value?.Entities} visitors and {result.Value?.Events} events in {sw.Elapsed.TotalSeconds:F1} s";
});
await host.StopAsync();
return 0;

async Task LoadAsync(string phase, TimeSpan duration, Func<Task<string>>? alongside)
{
    var latencies = new List<double>[Senders];
    var failed = 0;
    var alongsideDone = alongside is null;
    var stop = Stopwatch.StartNew();
    var senders = Enumerable.Range(0, Senders).Select(s => Task.Run(async () =>
    {
        latencies[s] = [];
        // Past the duration while the erasure still runs: its whole span is measured.
        for (var n = 0; stop.Elapsed < duration || !Volatile.Read(ref alongsideDone); n++)
        {
            var body = Encoding.UTF8.GetBytes($$$"""
                {"type":"track","event":"Order Completed","userId":"bench-user-{{{n % 1000}}}","messageId":"{{{phase}}}-{{{s}}}-{{{n}}}","timestamp":"{{{DateTimeOffset.UtcNow:O}}}","properties":{"total":129.99,"currency":"USD","items":{{{n % 7}}}}}
                """);
            var started = Stopwatch.GetTimestamp();
            var result = await ingestion.IngestSegmentAsync(key, body);
            latencies[s].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (result.StatusCode != 200) Interlocked.Increment(ref failed);
        }
    })).ToList();
    var note = alongside is null ? null : await alongside();
    Volatile.Write(ref alongsideDone, true);
    await Task.WhenAll(senders);
    var all = latencies.SelectMany(l => l).Order().ToList();
    if (phase == "warm-up") return;
    double At(double p) => all[Math.Min(all.Count - 1, (int)(all.Count * p))];
    Console.WriteLine($"== {phase}: {all.Count / stop.Elapsed.TotalSeconds:F0} messages/s, latency p50 {At(0.5):F1} ms, p99 {At(0.99):F1} ms, max {all[^1]:F1} ms{(failed > 0 ? $", {failed} not 200" : "")}");
    if (note is not null) Console.WriteLine($"   {note}");
}
