using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Portal.Security.SignIn;

namespace Portal.Tests.Core.Users;

public sealed class SignInThrottleTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 29, 3, 0, 0, TimeSpan.Zero));
    private readonly SignInThrottle _throttle;

    public SignInThrottleTests() =>
        _throttle = new SignInThrottle(Options.Create(new SignInSecurityOptions { FreeFailures = 5, FirstDelaySeconds = 60, MaxDelaySeconds = 3600 }), _time);

    private void Fail(int times, string address = "198.51.100.7")
    {
        for (var i = 0; i < times; i++) _throttle.RecordFailure("user:admin", address);
    }

    [Fact]
    public void FourFailuresLeaveThePairFreeAndTheFifthMakesItWaitAMinute()
    {
        Fail(4);
        Assert.Null(_throttle.RetryAfter("user:admin", "198.51.100.7"));

        Fail(1);
        Assert.Equal(TimeSpan.FromMinutes(1), _throttle.RetryAfter("user:admin", "198.51.100.7"));
    }

    [Fact]
    public void AStrangersFailuresDoNotSlowTheSameAccountFromAnotherAddress()
    {
        Fail(50, "203.0.113.9");

        Assert.Null(_throttle.RetryAfter("user:admin", "198.51.100.7"));
        Assert.NotNull(_throttle.RetryAfter("user:admin", "203.0.113.9"));
    }

    [Fact]
    public void EachFurtherFailureDoublesTheWaitUpToTheCap()
    {
        Fail(5);
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(_throttle.RetryAfter("user:admin", "198.51.100.7"));

        Fail(1);
        Assert.Equal(TimeSpan.FromMinutes(2), _throttle.RetryAfter("user:admin", "198.51.100.7"));
        Fail(10);
        Assert.Equal(TimeSpan.FromHours(1), _throttle.RetryAfter("user:admin", "198.51.100.7"));
    }

    [Fact]
    public void ASuccessfulSignInClearsThePair()
    {
        Fail(5);

        _throttle.Reset("user:admin", "198.51.100.7");

        Assert.Null(_throttle.RetryAfter("user:admin", "198.51.100.7"));
    }

    [Theory]
    [InlineData("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2:ffff:1:2:3", "2001:db8:1:2::/64")]
    [InlineData("::ffff:192.0.2.5", "192.0.2.5")]
    [InlineData("192.0.2.5", "192.0.2.5")]
    public void IPv6ClientsAreCountedByTheirSlash64(string address, string bucket) =>
        Assert.Equal(bucket, ClientAddress.Bucket(System.Net.IPAddress.Parse(address)));
}
