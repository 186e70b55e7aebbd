namespace Portal.Core.Ingestion.Faults;

/// <summary>
/// Whether the writer's last attempt to commit succeeded. Readiness reads it, so a load balancer stops sending
/// to an instance whose database refuses writes, and sends again once a commit (or the writer's probe) succeeds.
/// </summary>
public sealed class WriterHealth
{
    private readonly Lock _lock = new();
    private Problem? _problem;
    private TaskCompletionSource? _recovered;

    public bool IsHealthy => Current is null;

    /// <summary>Why the writer cannot commit, and since when; null while healthy.</summary>
    public Problem? Current
    {
        get { lock (_lock) return _problem; }
    }

    /// <summary>Completes once the writer is healthy (at once when it is).</summary>
    public Task WhenHealthyAsync()
    {
        lock (_lock)
        {
            if (_problem is null) return Task.CompletedTask;
            return (_recovered ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    internal void Failed(string reason, DateTimeOffset at)
    {
        lock (_lock) _problem = _problem is { } existing ? existing with { Reason = reason } : new Problem(reason, at);
    }

    internal void Committed()
    {
        TaskCompletionSource? recovered;
        lock (_lock)
        {
            if (_problem is null) return;
            _problem = null;
            recovered = _recovered;
            _recovered = null;
        }
        recovered?.TrySetResult();
    }

    public sealed record Problem(string Reason, DateTimeOffset Since);
}
