using Portal.Core.Forwarding;

namespace Portal.Tests.Core.Forwarding;

public sealed class ForwardingOptionsTests
{
    [Fact]
    public void PendosRegionsComeFirstAndAConfiguredRegionIsAdded()
    {
        var options = new ForwardingOptions { Regions = [new() { Name = "Sink", BaseUrl = "http://127.0.0.1:9" }] };

        Assert.Null(options.Validate());
        Assert.Equal(["US", "EU", "Sink"], options.AllRegions().Select(r => r.Name));
        Assert.Equal("https://data.eu.pendo.io/data/segmentio/k-1", options.AllRegions()[1].UrlFor("k-1"));
    }

    [Theory]
    [InlineData("", "https://proxy.example.com", "needs a Name")]
    [InlineData("Proxy", "proxy.example.com", "absolute http(s) URL")]
    [InlineData("Proxy", "ftp://proxy.example.com", "absolute http(s) URL")]
    [InlineData("Proxy", "https://proxy.example.com/?key=1", "absolute http(s) URL")]
    public void AnUnusableRegionIsNamedAtStartUp(string name, string baseUrl, string expected)
    {
        var options = new ForwardingOptions { Regions = [new() { Name = name, BaseUrl = baseUrl }] };

        Assert.Contains(expected, options.Validate());
    }

    [Fact]
    public void ARegionListedTwiceOrALeaseShorterThanARequestIsRefused()
    {
        Assert.Contains("listed twice", new ForwardingOptions
        {
            Regions = [new() { Name = "A", BaseUrl = "https://a.example.com" }, new() { Name = "a", BaseUrl = "https://b.example.com" }],
        }.Validate());
        Assert.Contains("LeaseSeconds", new ForwardingOptions { LeaseSeconds = 10, RequestTimeoutSeconds = 30 }.Validate());
    }

    [Theory]
    [InlineData(1, 0.0, 0.5)]
    [InlineData(1, 1.0, 1.0)]
    [InlineData(3, 1.0, 4.0)]
    [InlineData(20, 1.0, 60.0)]
    public void RetryDelaysDoubleWithJitterUpToTheCap(int attempts, double random, double seconds)
    {
        var schedule = new RetrySchedule(new ForwardingOptions { InitialBackoffSeconds = 1, MaxBackoffSeconds = 60 }, () => random);

        Assert.Equal(TimeSpan.FromSeconds(seconds), schedule.After(attempts));
    }

    [Theory]
    [InlineData(500, true)]
    [InlineData(503, true)]
    [InlineData(408, true)]
    [InlineData(429, true)]
    [InlineData(400, false)]
    [InlineData(401, false)]
    [InlineData(413, false)]
    public void FiveHundredsTimeoutsAndTooManyRequestsAreRetriedOtherClientErrorsAreFinal(int status, bool retried) =>
        Assert.Equal(retried, RetrySchedule.IsRetryable(status));
}
