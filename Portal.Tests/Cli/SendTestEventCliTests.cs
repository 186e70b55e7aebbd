using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Portal.Cli;
using Portal.Core.Applications;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Cli;

/// <summary>send-test-event against a real Portal on Kestrel (127.0.0.1), as a deployment script would use it.</summary>
public sealed class SendTestEventCliTests : IAsyncLifetime
{
    private readonly PortalAppFactory _portal = new();
    private string _baseUrl = "";
    private IssuedApiKey _key = default!;

    public async Task InitializeAsync()
    {
        _baseUrl = _portal.StartKestrel();
        var app = (await _portal.Admin<ApplicationService>().CreateAsync("Web shop")).Value!;
        _key = (await _portal.Admin<ApiKeyService>().GenerateAsync(app.Id)).Value!;
    }

    [Fact]
    public async Task ATrackSampleToThisPortalPrintsAnEmptySuccessAndItsEffect()
    {
        var (exit, output, _) = await _portal.RunCliAsync("send-test-event", "--key", _key.Key, "--type", "track", "--target", _baseUrl);

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("200 OK in", output);
        Assert.Contains("Empty response: success", output);
        Assert.Contains("Effect: 1 accepted", output);
        Assert.DoesNotContain(_key.Key, output);
    }

    [Fact]
    public async Task AScreenCallIsAnsweredButReportedSkippedWithTheReason()
    {
        var (exit, output, _) = await _portal.RunCliAsync("send-test-event", "--key", _key.Key, "--type", "screen", "--target", _baseUrl);

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("Effect: 1 skipped", output);
        Assert.Contains("screen is not supported", output);
    }

    [Fact]
    public async Task CopiesAreSentAsBatchesAndAllAccepted()
    {
        var (exit, output, _) = await _portal.RunCliAsync("send-test-event", "--key", _key.Key, "--count", "150", "--target", _baseUrl);

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("(100 messages)", output);
        Assert.Contains("(50 messages)", output);
        Assert.Contains("Effect: 150 accepted", output);
    }

    [Fact]
    public async Task ARevokedKeyExitsNonZeroWithThe401()
    {
        await _portal.Admin<ApiKeyService>().RevokeAsync(_key.KeyId);

        var (exit, output, _) = await _portal.RunCliAsync("send-test-event", "--key", _key.Key, "--target", _baseUrl);

        Assert.Equal(ExitCodes.Failed, exit);
        Assert.Contains("401", output);
    }

    [Fact]
    public async Task WithoutATargetOrPublicBaseUrlItSendsToWherePortalListens()
    {
        var (exit, output, error) = await _portal.RunCliAsync("send-test-event", "--key", _key.Key);

        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Contains($"POST {_baseUrl}/data/segmentio/", output);
        Assert.Contains("Effect: 1 accepted", output);
    }

    public Task DisposeAsync()
    {
        _portal.Dispose();
        return Task.CompletedTask;
    }
}
