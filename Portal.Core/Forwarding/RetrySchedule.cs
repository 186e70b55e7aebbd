namespace Portal.Core.Forwarding;

/// <summary>
/// Segment-like retries: exponential backoff from the first delay, doubled per attempt up to a cap, with jitter
/// (each delay drawn between half and all of its step) so instances and messages do not retry in lockstep.
/// </summary>
public sealed class RetrySchedule(ForwardingOptions options, Func<double>? random = null)
{
    private readonly Func<double> _random = random ?? Random.Shared.NextDouble;

    /// <summary>The delay after the <paramref name="attempts"/>-th failed attempt (1 for the first).</summary>
    public TimeSpan After(int attempts)
    {
        var step = Math.Min(options.MaxBackoffSeconds, options.InitialBackoffSeconds * Math.Pow(2, Math.Clamp(attempts - 1, 0, 30)));
        return TimeSpan.FromSeconds(step * (0.5 + 0.5 * _random()));
    }

    /// <summary>Whether a status means "try again later" (Segment: 5xx, 408, 429); other 4xx are final.</summary>
    public static bool IsRetryable(int status) => status is 408 or 429 or >= 500;
}
