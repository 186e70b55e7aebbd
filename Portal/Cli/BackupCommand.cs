using System.CommandLine;
using Humanizer;
using Portal.Core.Data;

namespace Portal.Cli;

/// <summary><c>backup --to FILE</c>: a consistent copy of the live database, safe while Portal is running.</summary>
internal static class BackupCommand
{
    public static Command Create(IServiceProvider services, TextWriter output)
    {
        var to = new Option<string>("--to") { Description = "The file to write; it must not exist yet.", Required = true };
        var backup = new Command("backup", "Copy the SQLite database while Portal runs (keep the key ring too: see README).") { to };
        backup.SetAction(async (parse, ct) =>
        {
            var result = await services.GetRequiredService<DatabaseBackup>().BackupAsync(parse.GetRequiredValue(to), ct);
            if (!result.Succeeded) return await CliOutput.FailAsync(parse, result.Error!);
            await output.WriteLineAsync($"Backed up the database to {result.Value!.Path} ({result.Value.Bytes.Bytes().Humanize("0.#")}).");
            return ExitCodes.Ok;
        });
        return backup;
    }
}
