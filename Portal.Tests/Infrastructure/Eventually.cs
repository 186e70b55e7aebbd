namespace Portal.Tests.Infrastructure;

/// <summary>
/// Reads until a condition holds, for what happens in the background on its own schedule (an idle flush, say). No fixed
/// sleep: a busy machine only makes it take longer, up to the timeout; the caller asserts on the last value read.
/// </summary>
public static class Eventually
{
    public static async Task<T> ReadAsync<T>(Func<Task<T>> read, Func<T, bool> done, int timeoutSeconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        T value;
        do value = await read();
        while (!done(value) && DateTime.UtcNow < deadline);
        return value;
    }
}
