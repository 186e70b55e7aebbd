using System.Net;
using System.Net.Sockets;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Portal.Components.Pages.TestEvents;
using Portal.Core.Applications;
using Portal.Core.Users;
using Portal.Hosting;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Components.TestEvents;

/// <summary>
/// The sender page with a circuit whose base URI a browser forged to point elsewhere: "This Portal" is still
/// where the server listens, and a Viewer can only read the page.
/// </summary>
public sealed class SendTestEventSecurityTests : PortalComponentTest
{
    // Stands where an attacker wants the key sent; it must never see a connection.
    private readonly TcpListener _attacker = StartListener();
    private PortalAppFactory? _portal;

    protected override void AddServices(IServiceCollection services)
    {
        var forged = $"http://127.0.0.1:{((IPEndPoint)_attacker.LocalEndpoint).Port}/";
        services.AddSingleton<NavigationManager>(new ForgedNavigationManager(forged));
        // The web app's own listening-address reader, on the real Portal started below (no PublicBaseUrl is set).
        services.AddSingleton<IListenAddress>(_ => new KestrelListenAddress(
            _portal!.Services.GetRequiredService<IServer>(), _portal.Services.GetRequiredService<IConfiguration>()));
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _portal = new PortalAppFactory();
        _portal.Settings["Database:SqlitePath"] = Path.Combine(DataDirectory, "portal.db");
        _portal.Settings["KeyRing:Path"] = Path.Combine(DataDirectory, "keys");
        _portal.StartKestrel();
        var app = await Admin<ApplicationService>().CreateAsync("Web app");
        await Admin<ApiKeyService>().GenerateAsync(app.Value!.Id);
    }

    [Fact]
    public async Task AForgedBaseUriNeverBecomesTheTarget()
    {
        SignInAs("admin@portal.test", PortalRoles.Admin);
        RenderProviders();
        var page = Render<SendTestEvent>();

        await page.ClickWhenPresentAsync("button[data-testid=send]:not([disabled])");

        page.WaitForAssertion(() => Assert.Contains("1 accepted", page.Find("[data-testid=effect-accepted]").TextContent), TimeSpan.FromSeconds(15));
        Assert.Contains("200", page.Find("[data-testid=test-status]").TextContent);
        Assert.False(_attacker.Pending(), "The forged base URI received a connection.");
    }

    [Fact]
    public void AViewerSeesTheSenderReadOnlyAndWhy()
    {
        SignInAs("viewer@portal.test", PortalRoles.Viewer);
        RenderProviders();
        var page = Render<SendTestEvent>();

        page.WaitForAssertion(() => Assert.Contains("only Admins can send", page.Find("[data-testid=viewer-read-only]").TextContent));
        Assert.True(page.Find("button[data-testid=send]").HasAttribute("disabled"));
        Assert.True(page.Find("button[data-testid=send-again]").HasAttribute("disabled"));
    }

    protected override Task OnDisposeAsync()
    {
        _portal?.Dispose();
        _attacker.Stop();
        return Task.CompletedTask;
    }

    private static TcpListener StartListener()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return listener;
    }

    private sealed class ForgedNavigationManager : NavigationManager
    {
        public ForgedNavigationManager(string baseUri) => Initialize(baseUri, baseUri + "send-test-event");

        protected override void NavigateToCore(string uri, NavigationOptions options) => Uri = ToAbsoluteUri(uri).ToString();
    }
}
