using System.Net;
using Microsoft.Extensions.Hosting;
using Portal.Core.Users;
using Portal.Security;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Endpoints;

/// <summary>Real Kestrel on 127.0.0.1, so the connection's address is real and X-Forwarded-* is judged against it.</summary>
public sealed class ReverseProxyTests : IDisposable
{
    private readonly PortalAppFactory _portal = new();
    private readonly HttpClient _http = new(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false });

    private async Task<string> StartAsync(params (string Key, string Value)[] settings)
    {
        foreach (var (key, value) in settings) _portal.Settings[key] = value;
        var baseUrl = _portal.StartKestrel();
        await _portal.SeedUserAsync(PortalAppFactory.AdminEmail, PortalRoles.Admin);
        return baseUrl;
    }

    private async Task<HttpResponseMessage> GetLoginAsync(string baseUrl, string? forwardedFor = null, string? forwardedProto = null, string? host = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, baseUrl + "/Account/Login");
        if (forwardedFor is not null) request.Headers.Add("X-Forwarded-For", forwardedFor);
        if (forwardedProto is not null) request.Headers.Add("X-Forwarded-Proto", forwardedProto);
        if (host is not null) request.Headers.Host = host;
        return await _http.SendAsync(request);
    }

    private static IEnumerable<string> SetCookies(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [];

    [Fact]
    public async Task FromATrustedProxyForwardedHttpsMakesCookiesSecureAndSendsHsts()
    {
        var baseUrl = await StartAsync(("ReverseProxy:KnownProxies:0", "127.0.0.1"));

        var plain = await GetLoginAsync(baseUrl);
        var viaTls = await GetLoginAsync(baseUrl, forwardedFor: "198.51.100.7", forwardedProto: "https", host: "portal.test");

        Assert.NotEmpty(SetCookies(plain));
        Assert.All(SetCookies(plain), c => Assert.DoesNotContain("secure", c, StringComparison.OrdinalIgnoreCase));
        Assert.NotEmpty(SetCookies(viaTls));
        Assert.All(SetCookies(viaTls), c => Assert.Contains("secure", c, StringComparison.OrdinalIgnoreCase));
        Assert.True(viaTls.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task TheLoginLimiterCountsEachForwardedClientApart()
    {
        var baseUrl = await StartAsync(("SignIn:RequestsPerMinute", "3"));

        for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.OK, (await GetLoginAsync(baseUrl, forwardedFor: "198.51.100.7")).StatusCode);
        var fourth = await GetLoginAsync(baseUrl, forwardedFor: "198.51.100.7");
        var otherClient = await GetLoginAsync(baseUrl, forwardedFor: "203.0.113.9");

        Assert.Equal(HttpStatusCode.TooManyRequests, fourth.StatusCode);
        Assert.True(fourth.Headers.RetryAfter?.Delta > TimeSpan.Zero, "429 carries Retry-After in seconds");
        Assert.Equal(HttpStatusCode.OK, otherClient.StatusCode);
    }

    [Fact]
    public async Task FromAnUntrustedAddressForwardedHeadersAreIgnored()
    {
        var baseUrl = await StartAsync(("ReverseProxy:KnownProxies:0", "192.0.2.1"), ("SignIn:RequestsPerMinute", "3"));

        var viaTls = await GetLoginAsync(baseUrl, forwardedFor: "198.51.100.7", forwardedProto: "https");
        for (var i = 0; i < 2; i++) await GetLoginAsync(baseUrl, forwardedFor: "198.51.100." + (20 + i));
        var claimingAnotherClient = await GetLoginAsync(baseUrl, forwardedFor: "203.0.113.9");

        Assert.All(SetCookies(viaTls), c => Assert.DoesNotContain("secure", c, StringComparison.OrdinalIgnoreCase));
        Assert.Equal(HttpStatusCode.TooManyRequests, claimingAnotherClient.StatusCode);
    }

    [Fact]
    public async Task AStrangersWrongPasswordsDoNotKeepTheOwnerOut()
    {
        var baseUrl = await StartAsync();

        for (var i = 0; i < 6; i++) await PostLoginAsync(baseUrl, "203.0.113.9", "wrong-password-" + i);
        var strangerWithTheRightPassword = await PostLoginAsync(baseUrl, "203.0.113.9", PortalAppFactory.Password);
        var owner = await PostLoginAsync(baseUrl, "198.51.100.7", PortalAppFactory.Password);

        Assert.Equal(HttpStatusCode.TooManyRequests, strangerWithTheRightPassword.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, owner.StatusCode);
    }

    [Fact]
    public void OutsideDevelopmentEveryCookieIsSecureUnlessConfiguredOtherwise()
    {
        var production = new TestHostEnvironment(".") { EnvironmentName = Environments.Production };
        var development = new TestHostEnvironment(".") { EnvironmentName = Environments.Development };

        Assert.Equal(Microsoft.AspNetCore.Http.CookieSecurePolicy.Always, new HttpsOptions().EffectiveCookiePolicy(production));
        Assert.Equal(Microsoft.AspNetCore.Http.CookieSecurePolicy.SameAsRequest, new HttpsOptions().EffectiveCookiePolicy(development));
    }

    private async Task<HttpResponseMessage> PostLoginAsync(string baseUrl, string client, string password)
    {
        var page = await GetLoginAsync(baseUrl, forwardedFor: client);
        var cookies = string.Join("; ", SetCookies(page).Select(c => c.Split(';')[0]));
        var request = new HttpRequestMessage(HttpMethod.Post, baseUrl + "/Account/Login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["_handler"] = "login",
                ["__RequestVerificationToken"] = PortalAppFactory.AntiforgeryToken(await page.Content.ReadAsStringAsync()),
                ["Input.Email"] = PortalAppFactory.AdminEmail,
                ["Input.Password"] = password,
            }),
        };
        request.Headers.Add("X-Forwarded-For", client);
        request.Headers.Add("Cookie", cookies);
        return await _http.SendAsync(request);
    }

    public void Dispose()
    {
        _http.Dispose();
        _portal.Dispose();
    }
}
