using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Security;
using Portal.Core.Users;

namespace Portal.Tests.Infrastructure;

/// <summary>
/// Portal in-process with its own SQLite file, key ring and log folder in a fresh temp directory.
/// Add settings with <see cref="Settings"/> and services with <see cref="ConfigureServices"/> before first use.
/// </summary>
public partial class PortalAppFactory : WebApplicationFactory<Program>
{
    public const string AdminEmail = "admin@portal.test";
    public const string ViewerEmail = "viewer@portal.test";
    public const string Password = "correct-horse-battery";

    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("portal-test-").FullName;
    public string DatabasePath => Path.Combine(DataDirectory, "portal.db");
    public Dictionary<string, string?> Settings { get; } = new();
    public Action<IServiceCollection>? ConfigureServices { get; set; }

    private readonly List<AsyncServiceScope> _scopes = [];

    /// <summary>The database engine: a SQLite file in <see cref="DataDirectory"/>, or a fresh database on the test PostgreSQL.</summary>
    public TestEngine Engine { get; set; } = TestEngine.Sqlite;

    /// <summary>Set to share one PostgreSQL database between several factories (several Portal instances).</summary>
    public string? PostgresConnectionString { get; set; }

    private bool _ownsPostgresDatabase;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        // Outside Development the app serves the publish manifest; tests run from build output, so use the build one.
        builder.UseStaticWebAssets();
        builder.UseSetting("Database:SqlitePath", DatabasePath);
        if (Engine == TestEngine.Postgres)
        {
            if (PostgresConnectionString is null)
            {
                // ConfigureWebHost is synchronous; this runs once, before the host starts.
                PostgresConnectionString = PostgresServer.CreateDatabaseAsync().GetAwaiter().GetResult();
                _ownsPostgresDatabase = true;
            }
            builder.UseSetting("Database:Provider", "Postgres");
            builder.UseSetting("Database:ConnectionString", PostgresConnectionString);
        }
        builder.UseSetting("KeyRing:Path", Path.Combine(DataDirectory, "keys"));
        builder.UseSetting("Serilog:WriteTo:1:Args:path", Path.Combine(DataDirectory, "logs", "portal-.log"));
        // Tests talk plain http; production's "always Secure" default is tested on its own (ReverseProxyTests).
        builder.UseSetting("Https:SecureCookies", "SameAsRequest");
        // No drain window when a test host is disposed; ShutdownTests turns it on where it is the subject.
        builder.UseSetting("Shutdown:DrainSeconds", "0");
        // Counts in the commit of their message (tests read them right after a request); EntityCountsTests covers the default.
        builder.UseSetting("Ingestion:EntityCountsFlushMilliseconds", "0");
        foreach (var (key, value) in Settings) builder.UseSetting(key, value);
        if (ConfigureServices is not null) builder.ConfigureTestServices(ConfigureServices);
    }

    /// <summary>Serve on a real Kestrel at 127.0.0.1 on a free port (for browsers and real sockets).</summary>
    public string StartKestrel()
    {
        UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        return addresses.First().TrimEnd('/');
    }

    /// <summary>A Core service acting as an Admin, as the command line does (scoped services live as long as the factory).</summary>
    public T Admin<T>() where T : notnull
    {
        EnsureStarted();
        // One scope for every Admin call, so repeated look-ups do not each open (and keep) a scope.
        _adminScope ??= Services.CreateActorScope(new Actor(null, AdminEmail, IsAdmin: true));
        return _adminScope.Value.ServiceProvider.GetRequiredService<T>();
    }

    private AsyncServiceScope? _adminScope;

    /// <summary>A Core service acting as <paramref name="actor"/>.</summary>
    public T As<T>(Actor actor) where T : notnull
    {
        EnsureStarted();
        var scope = Services.CreateActorScope(actor);
        _scopes.Add(scope);
        return scope.ServiceProvider.GetRequiredService<T>();
    }

    public async Task SeedUserAsync(string email, string role, string password = Password)
    {
        var result = await Admin<UserAdminService>().CreateAsync(email, password, role);
        if (!result.Succeeded) throw new InvalidOperationException(result.Error);
    }

    /// <summary>A client that does not follow redirects, so tests can assert where they lead.</summary>
    public HttpClient CreateRawClient() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>Signs in through the real login form (antiforgery token included) and returns the cookie-carrying client.</summary>
    public async Task<HttpClient> CreateSignedInClientAsync(string email, string password = Password)
    {
        var client = CreateRawClient();
        var form = await client.GetStringAsync("/Account/Login");
        var response = await client.PostAsync("/Account/Login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = AntiforgeryToken(form),
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        }));
        if (response.StatusCode != HttpStatusCode.Redirect)
            throw new InvalidOperationException($"Sign-in of {email} failed: {(int)response.StatusCode}");
        return client;
    }

    public static string AntiforgeryToken(string html) =>
        AntiforgeryInput().Match(html) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value)
            : throw new InvalidOperationException("No antiforgery token in the page.");

    /// <summary>Runs a command-line verb in-process against this Portal's services and database.</summary>
    public async Task<(int Exit, string Output, string Error)> RunCliAsync(params string[] args)
    {
        EnsureStarted();
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await Portal.Cli.PortalCli.RunAsync(Services, args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>Starts the host (and so migrates the database) without sending a request.</summary>
    public void EnsureStarted() => _ = Services;

    protected override void Dispose(bool disposing)
    {
        foreach (var scope in _scopes) scope.Dispose();
        _scopes.Clear();
        _adminScope?.Dispose();
        _adminScope = null;
        base.Dispose(disposing);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_ownsPostgresDatabase) PostgresServer.DropDatabaseAsync(PostgresConnectionString!).GetAwaiter().GetResult();
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryInput();
}
