using System.CommandLine;
using Portal.Core.Data;
using Portal.Core.Security;

namespace Portal.Cli;

/// <summary>
/// Headless verbs: <c>dotnet run --project Portal -- admin create-user ...</c>. They run against the
/// same configuration and database as the web app, without starting the web server.
/// </summary>
public static class PortalCli
{
    private static readonly HashSet<string> Verbs = new(StringComparer.OrdinalIgnoreCase) { "admin", "apps", "keys", "send-test-event", "backup" };

    public static bool IsCommand(string[] args) => args.Length > 0 && Verbs.Contains(args[0]);

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        output ??= Console.Out;
        error ??= Console.Error;
        await services.GetRequiredService<DatabaseInitializer>().InitializeAsync();
        // Whoever runs the command line holds the database already: the verbs act as an Admin, audited as "cli".
        await using var scope = services.CreateActorScope(Actor.Console(CliOutput.Actor));
        services = scope.ServiceProvider;

        var root = new RootCommand("Portal command line: provisioning without the web UI.")
        {
            AdminCommands.Create(services, output),
            AppsCommands.Create(services, output),
            KeysCommands.Create(services, output),
            SendTestEventCommand.Create(services, output),
            BackupCommand.Create(services, output),
        };
        var parsed = root.Parse(args);
        return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
    }
}
