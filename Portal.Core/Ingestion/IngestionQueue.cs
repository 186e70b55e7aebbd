using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace Portal.Core.Ingestion;

/// <summary>The bounded hand-over from request threads to the single writer.</summary>
public sealed class IngestionQueue
{
    private readonly Channel<IngestionWorkItem> _channel;
    private readonly ConcurrentQueue<Guid?> _catalogueInvalidations = new();

    public IngestionQueue(IOptions<IngestionOptions> options)
    {
        _channel = Channel.CreateBounded<IngestionWorkItem>(new BoundedChannelOptions(options.Value.ChannelCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    internal ChannelReader<IngestionWorkItem> Reader => _channel.Reader;

    /// <summary>Work items waiting for the writer.</summary>
    public int Depth => _channel.Reader.Count;

    /// <summary>False when the queue is full or closed for shutdown: the caller answers 503.</summary>
    internal bool TryEnqueue(IngestionWorkItem item) => _channel.Writer.TryWrite(item);

    /// <summary>Waits for room (the writer drains continuously, so not for long); false once the queue is closed for shutdown.</summary>
    internal async ValueTask<bool> EnqueueAsync(IngestionWorkItem item, CancellationToken cancellationToken)
    {
        try
        {
            await _channel.Writer.WriteAsync(item, cancellationToken);
            return true;
        }
        catch (ChannelClosedException)
        {
            return false;
        }
    }

    /// <summary>No more work is taken; the writer drains what is queued and stops.</summary>
    internal void Close() => _channel.Writer.TryComplete();

    /// <summary>
    /// Call after changing catalogue rows outside ingestion (deleting fields, say): the writer re-reads
    /// that application's fields (all applications when null) before its next batch.
    /// </summary>
    public void InvalidateCatalogue(Guid? applicationId = null) => _catalogueInvalidations.Enqueue(applicationId);

    internal bool TryTakeInvalidation(out Guid? applicationId) => _catalogueInvalidations.TryDequeue(out applicationId);

    /// <summary>Set by the writer while it runs (the CLI has none).</summary>
    internal bool WriterRunning { get; set; }

    /// <summary>
    /// Runs <paramref name="work"/> between two of the writer's batches and returns its result (see <see cref="ExclusiveWorkItem"/>);
    /// <paramref name="forget"/> names the visitors or accounts it deletes. Without a running writer (the CLI, shutdown) it runs at once.
    /// </summary>
    public async Task<long> RunExclusiveAsync(Func<CancellationToken, Task<long>> work, ErasedEntities? forget, CancellationToken cancellationToken)
    {
        if (!WriterRunning) return await work(cancellationToken);
        var item = new ExclusiveWorkItem { Work = work, Forget = forget };
        try
        {
            await _channel.Writer.WriteAsync(item, cancellationToken);
        }
        catch (ChannelClosedException)
        {
            return await work(cancellationToken);
        }
        // Once queued it runs: waiting for it keeps the caller's steps in order.
        await item.Completion.Task;
        if (item.Error is { } error) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        return item.Result;
    }

}
