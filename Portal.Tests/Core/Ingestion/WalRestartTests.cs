using System.Text;

namespace Portal.Tests.Core.Ingestion;

public sealed class WalRestartTests : IngestionTestBase
{
    [Fact]
    public async Task UnderSustainedIngestionTheWalStartsOverInsteadOfGrowing()
    {
        // Four senders with no pause between requests: the writer never idles, so a checkpoint beside it never catches up.
        var padding = new string('x', 900);
        var sent = 0L;
        var until = DateTime.UtcNow.AddSeconds(6);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(sender => Task.Run(async () =>
        {
            for (var request = 0; DateTime.UtcNow < until; request++)
            {
                var body = new StringBuilder("[");
                for (var i = 0; i < 100; i++)
                    body.Append(i == 0 ? "" : ",").Append($$$"""{"type":"track","userId":"u{{{i}}}","event":"E","messageId":"{{{sender}}}-{{{request}}}-{{{i}}}","properties":{"p":"{{{padding}}}"}}""");
                await SendAsync(body.Append(']').ToString());
                Interlocked.Add(ref sent, body.Length);
            }
        })));

        var wal = new FileInfo(DatabasePath + "-wal").Length;
        Assert.True(sent > 60_000_000, $"only {sent / 1e6:F1} MB sent: too little load to tell");
        Assert.True(wal < sent / 2, $"WAL {wal / 1e6:F1} MB after {sent / 1e6:F1} MB ingested");
    }
}
