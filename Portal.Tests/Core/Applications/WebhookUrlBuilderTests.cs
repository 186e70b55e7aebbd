using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Core.Applications;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Core.Applications;

public sealed class WebhookUrlBuilderTests
{
    private const string Key = "01234567-89ab-cdef-0123-456789abcdef";

    [Fact]
    public async Task WithoutConfigurationTheRowsArePendoUsAndEuThenThisPortalWhereItListens()
    {
        await using var host = await CoreHost.StartAsync(configure: (_, services) => services.AddSingleton<IListenAddress>(new FixedListenAddress("http://127.0.0.1:5000/")));

        var rows = host.Get<WebhookUrlBuilder>().Build(Key, ApiKeyOrigin.Imported);

        Assert.Equal(
        [
            new WebhookUrl("US", $"https://data.pendo.io/data/segmentio/{Key}", false),
            new WebhookUrl("EU", $"https://data.eu.pendo.io/data/segmentio/{Key}", false),
            new WebhookUrl("This Portal", $"http://127.0.0.1:5000/data/segmentio/{Key}", true),
        ], rows);
    }

    [Fact]
    public async Task ConfiguredRegionsReplaceTheDefaultsAndThePublicBaseUrlWinsOverTheListeningAddress()
    {
        await using var host = await CoreHost.StartAsync(new Dictionary<string, string?>
        {
            ["Webhooks:Regions:0:Name"] = "JP",
            ["Webhooks:Regions:0:UrlTemplate"] = "https://data.jpn.pendo.io/data/segmentio/{key}",
            ["Webhooks:PublicBaseUrl"] = "https://portal.example.com/",
        }, (_, services) => services.AddSingleton<IListenAddress>(new FixedListenAddress("http://127.0.0.1:5000/")));

        var rows = host.Get<WebhookUrlBuilder>().Build(Key, ApiKeyOrigin.Imported);

        Assert.Equal(["JP", "This Portal"], rows.Select(r => r.Name));
        Assert.Equal($"https://data.jpn.pendo.io/data/segmentio/{Key}", rows[0].Url);
        Assert.Equal($"https://portal.example.com/data/segmentio/{Key}", rows[1].Url);
    }

    [Fact]
    public async Task WithNeitherPublicBaseUrlNorRequestThereIsNoThisPortalRow()
    {
        await using var host = await CoreHost.StartAsync();

        Assert.DoesNotContain(host.Get<WebhookUrlBuilder>().Build(Key, ApiKeyOrigin.Imported), r => r.IsThisPortal);
    }

    [Theory]
    [InlineData("https://data.pendo.io/data/segmentio/", "must contain {key}")]
    [InlineData("data.pendo.io/{key}", "absolute http(s) URL")]
    public async Task ARegionWithABadTemplateStopsStartUpWithAMessageNamingIt(string template, string message)
    {
        await using var host = await CoreHost.StartAsync(new Dictionary<string, string?>
        {
            ["Webhooks:Regions:0:Name"] = "XX",
            ["Webhooks:Regions:0:UrlTemplate"] = template,
        });

        var error = Assert.Throws<OptionsValidationException>(() => host.Get<IOptions<WebhookOptions>>().Value);
        Assert.Contains(message, error.Message);
        Assert.Contains("'XX'", error.Message);
    }
}

/// <summary>A listening address fixed by the test, as Kestrel reports one.</summary>
internal sealed class FixedListenAddress(string? baseUrl) : IListenAddress
{
    public string? BaseUrl => baseUrl;
}
