using Bunit;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MudBlazor;
using MudBlazor.Services;
using Portal.Components.Shared;
using Portal.Core;
using Portal.Core.Data;
using Portal.Core.Security;
using Portal.Core.Users;

namespace Portal.Tests.Infrastructure;

/// <summary>
/// Base for bUnit tests: MudBlazor services without transitions, loose JS interop, and the real Core
/// services on a fresh SQLite file, migrated in <see cref="InitializeAsync"/>. The service provider is
/// complete when the constructor returns: override <see cref="AddServices"/> to register more.
/// </summary>
public abstract class PortalComponentTest : BunitContext, IAsyncLifetime
{
    protected string DataDirectory { get; } = Directory.CreateTempSubdirectory("portal-bunit-").FullName;

    private readonly BunitAuthorizationContext _authorization;

    protected PortalComponentTest()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        // bUnit's 1 s default fails a wait on a busy CI machine (the suite shares two cores with Chromium,
        // Kestrel and PostgreSQL); a wait that succeeds returns as soon as it does, so a long limit costs nothing.
        DefaultWaitTimeout = TimeSpan.FromSeconds(15);

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Database:SqlitePath"] = Path.Combine(DataDirectory, "portal.db"),
            ["KeyRing:Path"] = Path.Combine(DataDirectory, "keys"),
            ["Ingestion:EntityCountsFlushMilliseconds"] = "0",
        }).Build();
        Services.AddSingleton<IConfiguration>(configuration);
        Services.AddSingleton<IHostEnvironment>(new TestHostEnvironment(DataDirectory));
        Services.AddLogging();
        Services.AddPortalCore();
        // Components act as bUnit's signed-in principal; the database check behind the real one is covered end to end.
        Services.AddScoped<ICurrentUser, PrincipalRoleCurrentUser>();
        Services.AddScoped<UserContext>();
        Services.AddScoped<Portal.Components.Browse.SelectedApplication>();
        AddServices(Services);
        Services.AddMudServices(o =>
        {
            o.SnackbarConfiguration.ShowTransitionDuration = 0;
            o.SnackbarConfiguration.HideTransitionDuration = 0;
            o.PopoverOptions.CheckForPopoverProvider = false;
        });
        PersistentState = AddBunitPersistentComponentState();
        // Last: these build the service provider, after which nothing can be added.
        _authorization = AddAuthorization();
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    /// <summary>The component state a prerender hands to the interactive render: persist into it, or trigger and take from it.</summary>
    protected BunitPersistentComponentState PersistentState { get; }

    /// <summary>Called from the constructor, before the provider is built.</summary>
    protected virtual void AddServices(IServiceCollection services) { }

    /// <summary>Signs the rendered components in as this user and role.</summary>
    protected void SignInAs(string name, string role)
    {
        _authorization.SetAuthorized(name);
        _authorization.SetRoles(role);
    }

    /// <summary>Popovers and dialogs render into these providers, so render them first when a test opens one.</summary>
    protected IRenderedComponent<MudDialogProvider> RenderProviders()
    {
        Render<MudPopoverProvider>();
        Render<MudSnackbarProvider>();
        return Render<MudDialogProvider>();
    }

    protected T Service<T>() where T : notnull => Services.GetRequiredService<T>();

    /// <summary>A Core service acting as an Admin, to arrange data whoever the rendered components are signed in as.</summary>
    protected T Admin<T>() where T : notnull
    {
        var scope = Services.CreateActorScope(new Actor(null, "arrange@portal.test", IsAdmin: true));
        _scopes.Add(scope);
        return scope.ServiceProvider.GetRequiredService<T>();
    }

    private readonly List<AsyncServiceScope> _scopes = [];

    public virtual async Task InitializeAsync() => await Service<DatabaseInitializer>().InitializeAsync();

    /// <summary>Runs before the context and the data folder go: stop what the test started on them.</summary>
    protected virtual Task OnDisposeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        // MudBlazor's popover service is only IAsyncDisposable: the context must be disposed asynchronously.
        await OnDisposeAsync();
        foreach (var scope in _scopes) await scope.DisposeAsync();
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Creates a user through the real service.</summary>
    protected async Task<string> CreateUserAsync(string email, string role)
    {
        var result = await Admin<UserAdminService>().CreateAsync(email, PortalAppFactory.Password, role);
        Assert.True(result.Succeeded, result.Error);
        return (await Admin<UserAdminService>().ListAsync()).Single(u => u.Email == email).Id;
    }
}

/// <summary>bUnit's stand-in for the web app's current user: the fake principal, its roles taken as given.</summary>
internal sealed class PrincipalRoleCurrentUser(ActorScope scope, Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider authentication) : ICurrentUser
{
    public async Task<Actor> GetAsync(CancellationToken cancellationToken = default)
    {
        if (scope.Actor is { } fixedActor) return fixedActor;
        var user = (await authentication.GetAuthenticationStateAsync()).User;
        return user.Identity?.IsAuthenticated == true ? new Actor(user.Identity.Name, user.Identity.Name ?? "", user.IsInRole(PortalRoles.Admin)) : Actor.Anonymous;
    }
}
