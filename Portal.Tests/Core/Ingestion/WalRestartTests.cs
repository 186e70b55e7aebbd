using System.Text;
using Portal.Core.Ingestion;

namespace Portal.Tests.Core.Ingestion;

public sealed class WalRestartTests : IngestionTestBase
{
    [Fact]
    public async Task UnderSustainedIngestionTheWalStartsOverInsteadOfGrowing()
    {
        // Four senders with no pause between requests: the writer never idles, so a checkpoint beside it never catches up.
        // The load is a fixed amount of data, not a time span: a busy machine takes longer, and still sends enough to tell.
        const long target = 64_000_000;
        var padding = new string('x', 900);
        var sent = 0L;
        var requests = 0;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(sender => Task.Run(async () =>
        {
            while (Interlocked.Read(ref sent) < target)
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

        var wal = new FileInfo(DatabasePath + "-wal").Length;
        Assert.True(wal < sent / 2, $"WAL {wal / 1e6:F1} MB after {sent / 1e6:F1} MB ingested");
    }
}
