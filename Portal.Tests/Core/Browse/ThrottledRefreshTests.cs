using Microsoft.Extensions.Time.Testing;
using Portal.Components.Browse;
using Portal.Core.Ingestion;

namespace Portal.Tests.Core.Browse;

public sealed class ThrottledRefreshTests
{
    [Fact]
    public async Task ABurstOfCommitsRefreshesAtMostOnceASecondAndIgnoresOtherApplications()
    {
        var notifications = new IngestionNotifications();
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var app = Guid.NewGuid();
        var refreshes = 0;
        using var refreshed = new SemaphoreSlim(0);
        using var live = new ThrottledRefresh(notifications, c => c.ApplicationIds.Contains(app), () =>
        {
            Interlocked.Increment(ref refreshes);
            refreshed.Release();
            return Task.CompletedTask;
        }, time);

        notifications.Publish(new IngestionCommitted([app], 1, true, false));
        await WaitForRefreshAsync(refreshed);
        for (var i = 0; i < 5; i++) notifications.Publish(new IngestionCommitted([app], 1, true, false));
        notifications.Publish(new IngestionCommitted([Guid.NewGuid()], 1, true, false));
        // The clock stands still, so nothing can be due yet: the burst waits for the second to pass, however slow the machine.
        time.Advance(ThrottledRefresh.Interval - TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, Volatile.Read(ref refreshes));

        time.Advance(TimeSpan.FromMilliseconds(1));
        await WaitForRefreshAsync(refreshed);
        Assert.Equal(2, Volatile.Read(ref refreshes));

        // The burst left exactly one refresh behind: a whole further interval adds none, and the next commit is served at once.
        time.Advance(ThrottledRefresh.Interval);
        Assert.Equal(0, refreshed.CurrentCount);
        notifications.Publish(new IngestionCommitted([app], 1, true, false));
        await WaitForRefreshAsync(refreshed);
        Assert.Equal(3, Volatile.Read(ref refreshes));
        Assert.Equal(0, refreshed.CurrentCount);
    }

    [Fact]
    public void ADisposedRefreshNoLongerListens()
    {
        var notifications = new IngestionNotifications();
        var refreshes = 0;
        var live = new ThrottledRefresh(notifications, _ => true, () => { refreshes++; return Task.CompletedTask; });
        live.Dispose();

        notifications.Publish(new IngestionCommitted([Guid.NewGuid()], 1, true, false));

        Assert.Equal(0, refreshes);
    }

    private static async Task WaitForRefreshAsync(SemaphoreSlim refreshed) =>
        Assert.True(await refreshed.WaitAsync(TimeSpan.FromSeconds(30)), "no refresh came");
}
