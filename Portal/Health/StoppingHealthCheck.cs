using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Portal.Health;

/// <summary>Not ready once shutdown has begun, so a load balancer stops sending here during the drain window.</summary>
internal sealed class StoppingHealthCheck(IHostApplicationLifetime lifetime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(lifetime.ApplicationStopping.IsCancellationRequested
            ? HealthCheckResult.Unhealthy("Portal is shutting down.")
            : HealthCheckResult.Healthy());
}
