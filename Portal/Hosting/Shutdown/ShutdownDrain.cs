using Microsoft.Extensions.Options;

namespace Portal.Hosting.Shutdown;

/// <summary>
/// Holds the server open for <see cref="ShutdownOptions.DrainSeconds"/> once shutdown begins. The host calls every
/// <see cref="IHostedLifecycleService.StoppingAsync"/> before it stops any service, the web server included, so
/// while this waits the server still answers and <see cref="ShutdownEndpointFilter"/> turns requests away.
/// </summary>
public sealed class ShutdownDrain(IOptions<ShutdownOptions> options, TimeProvider time) : IHostedLifecycleService
{
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        var drain = TimeSpan.FromSeconds(options.Value.DrainSeconds);
        if (drain <= TimeSpan.Zero) return;
        // The host's shutdown timeout cancels the token: the drain never holds shutdown past it.
        try { await Task.Delay(drain, time, cancellationToken); }
        catch (OperationCanceledException) { }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
