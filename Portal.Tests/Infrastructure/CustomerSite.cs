using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Portal.Tests.Infrastructure;

/// <summary>
/// A customer's web site on its own Kestrel at 127.0.0.1: one page, plus the script files of a folder under /segment/.
/// Loopback like Portal, so Chromium lets its page reach Portal (a public origin may not reach a loopback one).
/// </summary>
public sealed class CustomerSite : IAsyncDisposable
{
    private readonly WebApplication _app;

    private CustomerSite(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public string Url { get; }

    public static async Task<CustomerSite> StartAsync(string html, string scriptFolder)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapGet("/", () => Results.Content(html, "text/html"));
        app.MapGet("/segment/{file}", (string file) =>
        {
            var path = Path.Combine(scriptFolder, Path.GetFileName(file));
            return File.Exists(path) ? Results.File(path, "application/javascript") : Results.NotFound();
        });
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/";
        return new CustomerSite(app, url);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
