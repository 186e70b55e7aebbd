using Humanizer;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Portal.Core.Ingestion.Faults;

namespace Portal.Health;

/// <summary>Unready while the ingestion writer's database refuses commits (locked, full, unreachable), ready again after one succeeds.</summary>
internal sealed class IngestionWriterHealthCheck(WriterHealth writer, TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(writer.Current is { } problem
            ? HealthCheckResult.Unhealthy($"The ingestion writer cannot commit since {(time.GetUtcNow() - problem.Since).Humanize()} ago: {problem.Reason}")
            : HealthCheckResult.Healthy());
}
