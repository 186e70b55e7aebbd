using System.Text.Json;
using Portal.Cli;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Cli;

public sealed class ForwardCliTests : IDisposable
{
    private readonly PortalAppFactory _portal = new();

    private Task<(int Exit, string Output, string Error)> RunAsync(params string[] args) => _portal.RunCliAsync(args);

    private static JsonElement Forwarding(string listJson) =>
        Assert.Single(JsonDocument.Parse(listJson).RootElement.EnumerateArray()).GetProperty("forwarding");

    [Fact]
    public async Task AppsForwardTurnsForwardingOnWithTheImportedPendoKeyNamedByItsHintAndOffAgain()
    {
        var pendoKey = Guid.NewGuid().ToString();
        await RunAsync("apps", "create", "--name", "Shop");
        await RunAsync("keys", "import", "--app", "Shop", "--key", pendoKey);

        var (exit, output, error) = await RunAsync("apps", "forward", "--app", "Shop", "--region", "eu", "--key-hint", pendoKey[^4..]);

        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Contains($"Shop forwards to Pendo EU with Pendo key …{pendoKey[^4..]}", output);
        Assert.DoesNotContain(pendoKey, output);
        var on = Forwarding((await RunAsync("apps", "list", "--json")).Output);
        Assert.True(on.GetProperty("enabled").GetBoolean());
        Assert.Equal("EU", on.GetProperty("region").GetString());
        Assert.Equal(pendoKey[^4..], on.GetProperty("keyHint").GetString());

        Assert.Equal(ExitCodes.Ok, (await RunAsync("apps", "forward", "--app", "Shop", "--off")).Exit);

        var off = Forwarding((await RunAsync("apps", "list", "--json")).Output);
        Assert.False(off.GetProperty("enabled").GetBoolean());
    }

    [Fact]
    public async Task WithoutAPendoKeyOrWithAnUnknownRegionForwardingIsRefused()
    {
        await RunAsync("apps", "create", "--name", "Shop");
        await RunAsync("keys", "create", "--app", "Shop");

        var (noKey, _, noKeyError) = await RunAsync("apps", "forward", "--app", "Shop", "--region", "US");
        var (badHint, _, badHintError) = await RunAsync("apps", "forward", "--app", "Shop", "--region", "US", "--key-hint", "ffff");
        await RunAsync("keys", "import", "--app", "Shop", "--key", Guid.NewGuid().ToString());
        var (badRegion, _, badRegionError) = await RunAsync("apps", "forward", "--app", "Shop", "--region", "Mars");
        var (noRegion, _, _) = await RunAsync("apps", "forward", "--app", "Shop");

        Assert.Equal(ExitCodes.Failed, noKey);
        Assert.Contains("no Pendo key", noKeyError);
        Assert.Equal(ExitCodes.Failed, badHint);
        Assert.Contains("ending in ffff", badHintError);
        Assert.Equal(ExitCodes.Failed, badRegion);
        Assert.Contains("Unknown region 'Mars'", badRegionError);
        Assert.Equal(ExitCodes.Usage, noRegion);
        Assert.False(Forwarding((await RunAsync("apps", "list", "--json")).Output).GetProperty("enabled").GetBoolean());
    }

    public void Dispose() => _portal.Dispose();
}
