using Portal.Core.Ingestion;

namespace Portal.Components.Browse;

/// <summary>
/// Turns ingestion commits into at most one page refresh a second. The writer calls <see cref="OnCommitted"/>
/// on its own thread, so this only schedules; the refresh runs later on the component's dispatcher.
/// </summary>
public sealed class ThrottledRefresh : IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly IngestionNotifications notifications;
    private readonly Func<IngestionCommitted, bool> isRelevant;
    private readonly Func<Task> refresh;
    private readonly TimeProvider time;
    private readonly CancellationTokenSource disposed = new();
    private readonly Lock gate = new();
    private DateTimeOffset lastRefresh = DateTimeOffset.MinValue;
    private bool pending;

    /// <param name="refresh">Runs the reload on the component's dispatcher (wrap it in InvokeAsync).</param>
    public ThrottledRefresh(IngestionNotifications notifications, Func<IngestionCommitted, bool> isRelevant, Func<Task> refresh, TimeProvider? time = null)
    {
        this.notifications = notifications;
        this.isRelevant = isRelevant;
        this.refresh = refresh;
        this.time = time ?? TimeProvider.System;
        notifications.Committed += OnCommitted;
    }

    private void OnCommitted(IngestionCommitted committed)
    {
        if (disposed.IsCancellationRequested || !isRelevant(committed)) return;
        TimeSpan delay;
        lock (gate)
        {
            if (pending) return;
            pending = true;
            var wait = lastRefresh + Interval - time.GetUtcNow();
            delay = wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }
        _ = RunAsync(delay);
    }

    private async Task RunAsync(TimeSpan delay)
    {
        try
        {
            if (delay > TimeSpan.Zero) await Task.Delay(delay, time, disposed.Token);
            lock (gate)
            {
                pending = false;
                lastRefresh = time.GetUtcNow();
            }
            if (!disposed.IsCancellationRequested) await refresh();
        }
        catch (OperationCanceledException) { }
        catch (ObjectDisposedException) { }
    }

    public void Dispose()
    {
        notifications.Committed -= OnCommitted;
        disposed.Cancel();
        disposed.Dispose();
    }
}
