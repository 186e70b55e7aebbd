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
    private static readonly HashSet<string> HelpWords = new(StringComparer.OrdinalIgnoreCase) { "help", "--help", "-h", "-?", "/?" };

    /// <summary>
    /// A verb, a word that is not one (usage, exit 2) or a request for help: the command line, never the web server.
    /// Only no arguments, or configuration switches such as <c>--urls</c>, start the server.
    /// </summary>
    public static bool IsCommand(string[] args) => args.Length > 0 && (HelpWords.Contains(args[0]) || !args[0].StartsWith('-'));

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        output ??= Console.Out;
        error ??= Console.Error;
        if (args[0].Equals("help", StringComparison.OrdinalIgnoreCase)) args = ["--help", .. args[1..]];
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
            EraseCommands.Visitors(services, output),
            EraseCommands.Accounts(services, output),
        };
        var parsed = root.Parse(args);
        var configuration = new InvocationConfiguration { Output = output, Error = error };
        if (parsed.Errors.Count > 0)
        {
            foreach (var parseError in parsed.Errors) await error.WriteLineAsync($"error: {parseError.Message}");
            await error.WriteLineAsync("Run with --help for usage.");
            return ExitCodes.Usage;
        }
        // Help touches nothing: no database, no server.
        if (parsed.Action is System.CommandLine.Help.HelpAction) return await parsed.InvokeAsync(configuration);

        await services.GetRequiredService<DatabaseInitializer>().InitializeAsync();
        return await parsed.InvokeAsync(configuration);
    }
}
