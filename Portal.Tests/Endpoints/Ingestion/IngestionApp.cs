using System.Net.Http.Headers;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Applications;
using Portal.Core.Data;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Endpoints.Ingestion;

/// <summary>A Portal with one application and key, plus helpers to post to the ingestion endpoints.</summary>
public sealed class IngestionApp : IAsyncDisposable
{
    public PortalAppFactory Factory { get; } = new();
    public string Key { get; private set; } = "";
    public Guid AppId { get; private set; }

    public static async Task<IngestionApp> StartAsync(Action<PortalAppFactory>? configure = null, bool kestrel = false, TestEngine engine = TestEngine.Sqlite)
    {
        var app = new IngestionApp();
        app.Factory.Engine = engine;
        configure?.Invoke(app.Factory);
        if (kestrel) app.BaseAddress = app.Factory.StartKestrel(); else app.Factory.EnsureStarted();
        var created = await app.Get<ApplicationService>().CreateAsync("Shop");
        app.AppId = created.Value!.Id;
        app.Key = (await app.Get<ApiKeyService>().GenerateAsync(app.AppId)).Value!.Key;
        return app;
    }

    public string? BaseAddress { get; private set; }

    /// <summary>A service as an Admin uses it.</summary>
    public T Get<T>() where T : notnull => Factory.Admin<T>();

    public HttpClient Client() => BaseAddress is null ? Factory.CreateRawClient() : new HttpClient { BaseAddress = new Uri(BaseAddress) };

    public static StringContent Json(string body, string contentType = "application/json") =>
        new(body, Encoding.UTF8, new MediaTypeHeaderValue(contentType));

    public Task<HttpResponseMessage> PostAsync(string body, string? key = null, string path = "segmentio") =>
        Client().PostAsync($"/data/{path}/{key ?? Key}", Json(body));

    public async Task<PortalDbContext> DbAsync() => await Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();

    public async Task SetSigningSecretAsync(string secret)
    {
        await using var db = await DbAsync();
        var app = await db.Applications.SingleAsync(a => a.Id == AppId);
        app.ProtectedSigningSecret = Get<ApiKeyProtector>().ProtectSecret(secret);
        await db.SaveChangesAsync();
        Get<ApiKeyResolver>().Invalidate();
    }

    public async ValueTask DisposeAsync() => await Factory.DisposeAsync();
}
