using System.CommandLine;
using Humanizer;
using Portal.Core.Applications;
using Portal.Core.Erasure;
using Portal.Core.Metadata;

namespace Portal.Cli;

/// <summary><c>visitors delete</c> and <c>accounts delete</c>: erasure from a list of ids, one per line (GDPR requests).</summary>
internal static class EraseCommands
{
    public static Command Visitors(IServiceProvider services, TextWriter output) =>
        new("visitors", "Visitors.") { Delete(services, output, FieldKind.Visitor) };

    public static Command Accounts(IServiceProvider services, TextWriter output) =>
        new("accounts", "Accounts.") { Delete(services, output, FieldKind.Account) };

    private static Command Delete(IServiceProvider services, TextWriter output, FieldKind kind)
    {
        var noun = kind == FieldKind.Visitor ? "visitor" : "account";
        var app = new Option<string>("--app") { Description = "Application name or id.", Required = true };
        var file = new Option<FileInfo>("--file") { Description = $"A text file with one {noun} id per line.", Required = true };
        var json = CliOutput.JsonOption();
        var command = new Command("delete",
            $"Delete {noun.Pluralize()} with their metadata, custom values, memberships and events. A later message for an id creates it afresh.")
            { app, file, json };
        command.SetAction(async (parse, ct) =>
        {
            var found = await services.GetRequiredService<ApplicationService>().FindAsync(parse.GetRequiredValue(app), ct);
            if (!found.Succeeded) return await CliOutput.FailAsync(parse, found.Error!);
            var path = parse.GetRequiredValue(file);
            if (!path.Exists) return await CliOutput.FailAsync(parse, $"No file {path.FullName}.", ExitCodes.Usage);
            var ids = (await File.ReadAllLinesAsync(path.FullName, ct)).Where(l => !string.IsNullOrWhiteSpace(l)).ToList();
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var result = await services.GetRequiredService<ErasureService>().DeleteManyAsync(found.Value!.Id, kind, ids, cancellationToken: ct);
            var took = System.Diagnostics.Stopwatch.GetElapsedTime(started);
            if (!result.Succeeded) return await CliOutput.FailAsync(parse, result.Error!);
            var counts = result.Value!;
            if (parse.GetValue(json)) await CliOutput.WriteJsonAsync(output, new { listed = ids.Count, deleted = counts.Entities, events = counts.Events });
            else await output.WriteLineAsync($"Deleted {noun.ToQuantity(counts.Entities)} of {ids.Count} listed, and {"event".ToQuantity(counts.Events)}, in {took.Humanize(2)}.");
            return ExitCodes.Ok;
        });
        return command;
    }
}
