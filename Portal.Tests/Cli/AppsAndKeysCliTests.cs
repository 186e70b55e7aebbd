using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Portal.Cli;
using Portal.Core.Applications;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Cli;

public sealed class AppsAndKeysCliTests : IDisposable
{
    private readonly PortalAppFactory _portal = new();

    public AppsAndKeysCliTests() => _portal.Settings["Webhooks:PublicBaseUrl"] = "https://portal.example.com";

    private Task<(int Exit, string Output, string Error)> RunAsync(params string[] args) => _portal.RunCliAsync(args);

    [Fact]
    public async Task AppsCreateThenListShowsTheApplication()
    {
        var (exit, output, _) = await RunAsync("apps", "create", "--name", "Shop", "--platform", "mobile", "--region", "eu");

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("Created application Shop (Mobile, EU)", output);
        var (listExit, list, _) = await RunAsync("apps", "list", "--json");
        Assert.Equal(ExitCodes.Ok, listExit);
        var app = Assert.Single(JsonDocument.Parse(list).RootElement.EnumerateArray());
        Assert.Equal("Shop", app.GetProperty("name").GetString());
        Assert.Equal("mobile", app.GetProperty("platform").GetString());
        Assert.Equal("EU", app.GetProperty("region").GetString());
    }

    [Fact]
    public async Task ADuplicateNameFailsWithExitCodeOne()
    {
        await RunAsync("apps", "create", "--name", "Shop");

        var (exit, _, error) = await RunAsync("apps", "create", "--name", "shop");

        Assert.Equal(ExitCodes.Failed, exit);
        Assert.Contains("error: An application named 'shop' already exists.", error);
    }

    [Fact]
    public async Task AnUnknownPlatformIsAUsageError()
    {
        var (exit, _, error) = await RunAsync("apps", "create", "--name", "Shop", "--platform", "tv");

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("Unknown platform 'tv'", error);
    }

    [Fact]
    public async Task KeysCreatePrintsTheKeyOnceWithThisPortalsUrlOnlyAndTheKeyResolves()
    {
        await RunAsync("apps", "create", "--name", "Shop");

        var (exit, output, _) = await RunAsync("keys", "create", "--app", "Shop", "--label", "segment", "--json");

        Assert.Equal(ExitCodes.Ok, exit);
        var json = JsonDocument.Parse(output).RootElement;
        var key = json.GetProperty("key").GetString()!;
        Assert.True(ApiKeyFormat.IsWellFormed(key));
        var urls = json.GetProperty("urls").EnumerateArray().ToDictionary(u => u.GetProperty("region").GetString()!, u => u.GetProperty("url").GetString());
        // A generated key is a Portal key: Pendo never issued it, so no Pendo region is offered.
        Assert.Equal([("This Portal", $"https://portal.example.com/data/segmentio/{key}")], urls.Select(u => (u.Key, u.Value)));
        Assert.NotNull(await _portal.Services.GetRequiredService<ApiKeyResolver>().ResolveAsync(key));

        var (_, text, _) = await RunAsync("keys", "create", "--app", "Shop");
        Assert.Contains("only this Portal accepts it", text);
        Assert.DoesNotContain("https://data.pendo.io/", text);
    }

    [Fact]
    public async Task KeysListShowsKeysMaskedOnly()
    {
        await RunAsync("apps", "create", "--name", "Shop");
        var key = JsonDocument.Parse((await RunAsync("keys", "create", "--app", "Shop", "--json")).Output).RootElement.GetProperty("key").GetString()!;

        var (exit, text, _) = await RunAsync("keys", "list", "--app", "shop");
        var (_, json, _) = await RunAsync("keys", "list", "--app", "Shop", "--json");

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains(ApiKeyFormat.Mask(key[^4..]), text);
        Assert.DoesNotContain(key[..8], text);
        Assert.DoesNotContain(key[..8], json);
        Assert.Equal("active", JsonDocument.Parse(json).RootElement[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task KeysImportRefusesAKeyAlreadyKnown()
    {
        await RunAsync("apps", "create", "--name", "Shop");
        var first = await RunAsync("keys", "import", "--app", "Shop", "--key", "01234567-89ab-cdef-0123-456789abcdef");

        var (exit, _, error) = await RunAsync("keys", "import", "--app", "Shop", "--key", "01234567-89AB-cdef-0123-456789abcdef");
        var (badExit, _, badError) = await RunAsync("keys", "import", "--app", "Shop", "--key", "nope");

        Assert.Equal(ExitCodes.Ok, first.Exit);
        Assert.Contains("Imported key …cdef into Shop", first.Output);
        Assert.Equal(ExitCodes.Failed, exit);
        Assert.Contains("already known", error);
        Assert.Equal(ExitCodes.Failed, badExit);
        Assert.Contains("not a Pendo API key", badError);
    }

    [Fact]
    public async Task KeysRevokeByHintStopsTheKey()
    {
        await RunAsync("apps", "create", "--name", "Shop");
        await RunAsync("keys", "import", "--app", "Shop", "--key", "01234567-89ab-cdef-0123-456789ab1234");

        var (exit, output, _) = await RunAsync("keys", "revoke", "--key-hint", "1234");

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("Revoked key …1234 of Shop", output);
        Assert.Null(await _portal.Services.GetRequiredService<ApiKeyResolver>().ResolveAsync("01234567-89ab-cdef-0123-456789ab1234"));
        Assert.Equal(ExitCodes.Failed, (await RunAsync("keys", "revoke", "--key-hint", "1234")).Exit);
    }

    [Fact]
    public async Task KeysRevokeRefusesAnAmbiguousHintAndTakesAnId()
    {
        await RunAsync("apps", "create", "--name", "Shop");
        await RunAsync("apps", "create", "--name", "Blog");
        await RunAsync("keys", "import", "--app", "Shop", "--key", "01234567-89ab-cdef-0123-456789ab1234");
        var blog = JsonDocument.Parse((await RunAsync("keys", "import", "--app", "Blog", "--key", "fedcba98-89ab-cdef-0123-456789ab1234", "--json")).Output)
            .RootElement.GetProperty("keyId").GetString()!;

        var (exit, _, error) = await RunAsync("keys", "revoke", "--key-hint", "1234");
        var byId = await RunAsync("keys", "revoke", "--id", blog);
        var byApp = await RunAsync("keys", "revoke", "--key-hint", "1234", "--app", "Shop");

        Assert.Equal(ExitCodes.Failed, exit);
        Assert.Contains("2 keys end in '1234'", error);
        Assert.Equal(ExitCodes.Ok, byId.Exit);
        Assert.Equal(ExitCodes.Ok, byApp.Exit);
    }

    [Fact]
    public async Task AnUnknownApplicationIsAClearError()
    {
        var (exit, _, error) = await RunAsync("keys", "create", "--app", "Nope");

        Assert.Equal(ExitCodes.Failed, exit);
        Assert.Contains("No application is named or has the id 'Nope'", error);
    }

    [Fact]
    public async Task RevokeWithoutHintOrIdIsAUsageError()
    {
        var (exit, _, error) = await RunAsync("keys", "revoke");

        Assert.NotEqual(ExitCodes.Ok, exit);
        Assert.Contains("--key-hint or --id", error);
    }

    public void Dispose() => _portal.Dispose();
}
