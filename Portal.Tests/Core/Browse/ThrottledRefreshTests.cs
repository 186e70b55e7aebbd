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
        using var live = new ThrottledRefresh(notifications, c => c.ApplicationIds.Contains(app), () => { Interlocked.Increment(ref refreshes); return Task.CompletedTask; }, time);

        notifications.Publish(new IngestionCommitted([app], 1, true, false));
        await WaitForAsync(() => refreshes == 1);
        for (var i = 0; i < 5; i++) notifications.Publish(new IngestionCommitted([app], 1, true, false));
        notifications.Publish(new IngestionCommitted([Guid.NewGuid()], 1, true, false));
        await Task.Delay(50);
        Assert.Equal(1, refreshes);

        time.Advance(TimeSpan.FromSeconds(1));
        await WaitForAsync(() => refreshes == 2);
        await Task.Delay(50);
        Assert.Equal(2, refreshes);
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

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++) await Task.Delay(10);
        Assert.True(condition());
    }
}
