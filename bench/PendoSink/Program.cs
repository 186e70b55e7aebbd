// A local stand-in for Pendo's collector for bench/forward.sh: answers every POST to /data/segmentio/{key} 200 and counts
// the messages it received (occurrences of "messageId"); GET /count prints the count. Kestrel, so that on a two-core machine
// the sink takes little of the CPU the benchmark measures Portal with (a Python server parsing thousands of requests a
// second took a noticeable share).
using System.Buffers;
using System.IO.Pipelines;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = null);
var app = builder.Build();

long received = 0;
app.MapPost("/data/segmentio/{key}", async (HttpRequest request) =>
{
    Interlocked.Add(ref received, await MessagesAsync(request.BodyReader));
    return Results.Ok();
});
app.MapGet("/count", () => Interlocked.Read(ref received).ToString(System.Globalization.CultureInfo.InvariantCulture));
app.Run($"http://127.0.0.1:{(args.Length > 0 ? args[0] : "5298")}");

static async Task<long> MessagesAsync(PipeReader body)
{
    while (true)
    {
        var read = await body.ReadAsync();
        if (!read.IsCompleted)
        {
            body.AdvanceTo(read.Buffer.Start, read.Buffer.End);
            continue;
        }
        var count = Count(read.Buffer);
        body.AdvanceTo(read.Buffer.End);
        return count;
    }
}

static long Count(ReadOnlySequence<byte> buffer)
{
    ReadOnlySpan<byte> needle = "\"messageId\""u8;
    var bytes = buffer.IsSingleSegment ? buffer.FirstSpan : buffer.ToArray();
    long count = 0;
    for (var at = bytes.IndexOf(needle); at >= 0; at = bytes.IndexOf(needle))
    {
        count++;
        bytes = bytes[(at + needle.Length)..];
    }
    return count;
}
