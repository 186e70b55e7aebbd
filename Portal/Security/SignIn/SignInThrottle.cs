using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Portal.Security.SignIn;

/// <summary>
/// Counts wrong passwords per (account, client address) and makes that pair wait, with a delay that doubles
/// per further failure. Keyed on the pair so a stranger's guesses slow only the stranger: the account owner,
/// from their own address, signs in as usual. Unknown accounts are counted the same way, so the answers
/// reveal nothing about which accounts exist. In memory, per instance; a restart or an unlock (which changes
/// the account key, see <see cref="PasswordSignIn"/>) starts afresh.
/// </summary>
public sealed class SignInThrottle(IOptions<SignInSecurityOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<(string Account, string Address), Entry> _entries = new();

    /// <summary>How long this pair must still wait, or null when it may try now.</summary>
    public TimeSpan? RetryAfter(string account, string address)
    {
        if (!_entries.TryGetValue((account, address), out var entry)) return null;
        lock (entry)
        {
            var wait = entry.BlockedUntil - time.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : null;
        }
    }

    public void RecordFailure(string account, string address)
    {
        var o = options.Value;
        var now = time.GetUtcNow();
        if (_entries.Count >= o.MaxTrackedPairs) Prune(now, o);
        var entry = _entries.GetOrAdd((account, address), _ => new Entry());
        lock (entry)
        {
            if (now - entry.LastFailure > TimeSpan.FromSeconds(o.ForgetAfterSeconds)) entry.Failures = 0;
            entry.Failures++;
            entry.LastFailure = now;
            var over = entry.Failures - o.FreeFailures;
            if (over < 0) return;
            var delay = Math.Min(o.MaxDelaySeconds, o.FirstDelaySeconds * Math.Pow(2, Math.Min(over, 30)));
            entry.BlockedUntil = now + TimeSpan.FromSeconds(delay);
        }
    }

    public void Reset(string account, string address) => _entries.TryRemove((account, address), out _);

    private void Prune(DateTimeOffset now, SignInSecurityOptions o)
    {
        var forget = TimeSpan.FromSeconds(o.ForgetAfterSeconds);
        foreach (var (key, entry) in _entries)
        {
            if (now - entry.LastFailure > forget) _entries.TryRemove(key, out _);
        }
        if (_entries.Count < o.MaxTrackedPairs) return;
        // Still full (many addresses at once): forget pairs that are not waiting, so waits already earned stay.
        foreach (var (key, entry) in _entries)
        {
            if (entry.BlockedUntil <= now) _entries.TryRemove(key, out _);
        }
    }

    private sealed class Entry
    {
        public int Failures;
        public DateTimeOffset LastFailure;
        public DateTimeOffset BlockedUntil;
    }
}
