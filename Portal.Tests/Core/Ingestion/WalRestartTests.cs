using System.Text;
using Portal.Core.Ingestion;

namespace Portal.Tests.Core.Ingestion;

public sealed class WalRestartTests : IngestionTestBase
{
    [Fact]
    public async Task UnderSustainedIngestionTheWalStartsOverInsteadOfGrowing()
    {
        // Four senders with no pause between requests: the writer never idles, so a checkpoint beside it never catches up.
        // The load is measured in data, not time: a busy machine takes longer, and still sends enough to tell. Past the
        // first 64 MB the senders go on until the WAL is under half of what was sent (a fast machine can outrun the
        // checkpointer's timer for a while), but never past 256 MB, by which a WAL that never restarts is as large as the load.
        const long target = 64_000_000, limit = 256_000_000;
        var padding = new string('x', 900);
        var sent = 0L;
        var requests = 0;
        var walPath = DatabasePath + "-wal";
        bool Done() => Interlocked.Read(ref sent) >= limit
            || (Interlocked.Read(ref sent) >= target && new FileInfo(walPath) is { Exists: true } f && f.Length < Interlocked.Read(ref sent) / 2);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(sender => Task.Run(async () =>
        {
            while (!Done())
            {
                var request = Interlocked.Increment(ref requests);
                var body = new StringBuilder("[");
                for (var i = 0; i < 100; i++)
                    body.Append(i == 0 ? "" : ",").Append($$$"""{"type":"track","userId":"u{{{i}}}","event":"E","messageId":"{{{request}}}-{{{i}}}","properties":{"p":"{{{padding}}}"}}""");
                var result = await SendAsync(body.Append(']').ToString());
                Assert.Equal(IngestionStatus.Ok, result.Status);
                Interlocked.Add(ref sent, body.Length);
            }
        })));

        var wal = new FileInfo(walPath).Length;
        Assert.True(wal < sent / 2, $"WAL {wal / 1e6:F1} MB after {sent / 1e6:F1} MB ingested");
    }
}
