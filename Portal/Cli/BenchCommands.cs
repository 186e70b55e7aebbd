using System.CommandLine;
using Portal.Core.Applications;

namespace Portal.Cli;

/// <summary>
/// <c>bench-provision</c>: creates an application and a key and prints only the key, for bench/ingest.sh.
/// A stop-gap until the application/key verbs exist; it goes through the same Core services.
/// </summary>
internal static class BenchCommands
{
    public const string Verb = "bench-provision";

    public static Command Create(IServiceProvider services, TextWriter output)
    {
        var name = new Option<string>("--name") { Description = "Name of the application to create.", DefaultValueFactory = _ => "Benchmark" };
        var command = new Command(Verb, "Create an application and an API key; prints the key.") { name };
        command.Hidden = true;
        command.SetAction(async (parse, ct) =>
        {
            var app = await services.GetRequiredService<ApplicationService>().CreateAsync("cli", parse.GetRequiredValue(name), cancellationToken: ct);
            if (!app.Succeeded)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"error: {app.Error}");
                return ExitCodes.Failed;
            }
            var key = await services.GetRequiredService<ApiKeyService>().GenerateAsync("cli", app.Value!.Id, "bench", ct);
            if (!key.Succeeded)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"error: {key.Error}");
                return ExitCodes.Failed;
            }
            await output.WriteLineAsync(key.Value!.Key);
            return ExitCodes.Ok;
        });
        return command;
    }
}
