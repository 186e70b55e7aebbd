using System.CommandLine;
using Portal.Core.Applications;
using Portal.Core.Forwarding;

namespace Portal.Cli;

/// <summary><c>apps forward --app NAME --region REGION [--key-hint HINT]</c> and <c>apps forward --app NAME --off</c>.</summary>
internal static class ForwardCommand
{
    public static Command Create(IServiceProvider services, TextWriter output)
    {
        var app = new Option<string>("--app") { Description = "Name or id of the application.", Required = true };
        var region = new Option<string?>("--region") { Description = "US, EU or a region configured under Forwarding:Regions." };
        var keyHint = new Option<string?>("--key-hint")
        {
            Description = "Last 4 characters of the application's imported Pendo key to forward with (needed when it has several).",
        };
        var off = new Option<bool>("--off") { Description = "Turn forwarding off (messages already waiting stay queued)." };
        var json = CliOutput.JsonOption();

        var forward = new Command("forward", "Forward the application's accepted messages to Pendo, or stop.") { app, region, keyHint, off, json };
        forward.SetAction(async (parse, ct) =>
        {
            var found = await services.GetRequiredService<ApplicationService>().FindAsync(parse.GetRequiredValue(app), ct);
            if (!found.Succeeded) return await CliOutput.FailAsync(parse, found.Error!);
            var target = found.Value!;
            var forwarding = services.GetRequiredService<ForwardingService>();

            if (parse.GetValue(off))
            {
                if (parse.GetValue(region) is not null || parse.GetValue(keyHint) is not null)
                    return await CliOutput.FailAsync(parse, "--off takes no --region or --key-hint.", ExitCodes.Usage);
                var disabled = await forwarding.DisableAsync(target.Id, ct);
                if (!disabled.Succeeded) return await CliOutput.FailAsync(parse, disabled.Error!);
                return await WriteAsync(services, output, parse.GetValue(json), target, ct);
            }

            if (parse.GetValue(region) is not { } regionName)
                return await CliOutput.FailAsync(parse, "Give --region (US, EU or a configured region), or --off.", ExitCodes.Usage);
            Guid? keyId = null;
            if (parse.GetValue(keyHint) is { } hint)
            {
                var matches = (await services.GetRequiredService<ApiKeyService>().FindByHintAsync(hint, ct))
                    .Where(k => k.ApplicationId == target.Id && k.Origin == ApiKeyOrigin.Imported && k.Works).ToList();
                if (matches.Count != 1)
                {
                    return await CliOutput.FailAsync(parse, matches.Count == 0
                        ? $"{target.Name} has no working Pendo key (imported) ending in {hint}. Import it first: keys import --app \"{target.Name}\" --key <pendo key>."
                        : $"Several Pendo keys of {target.Name} end in {hint}.");
                }
                keyId = matches[0].Id;
            }
            var enabled = await forwarding.EnableAsync(target.Id, regionName, keyId, cancellationToken: ct);
            if (!enabled.Succeeded) return await CliOutput.FailAsync(parse, enabled.Error!);
            return await WriteAsync(services, output, parse.GetValue(json), target, ct);
        });
        return forward;
    }

    /// <summary>An application's forwarding as <c>apps list --json</c> shows it; the key by its hint only.</summary>
    public static object Json(ForwardingState? state) => state is { } s
        ? new { enabled = s.Enabled, region = s.Region, keyHint = s.KeyHint, changedAt = s.ChangedAt, changedBy = s.ChangedBy }
        : new { enabled = false, region = (string?)null, keyHint = (string?)null, changedAt = (DateTimeOffset?)null, changedBy = (string?)null };

    private static async Task<int> WriteAsync(IServiceProvider services, TextWriter output, bool json, ApplicationSummary app, CancellationToken ct)
    {
        var state = await services.GetRequiredService<ForwardingQueries>().StateAsync(app.Id, ct);
        if (json) await CliOutput.WriteJsonAsync(output, new { app = app.Name, forwarding = Json(state) });
        else if (state.Enabled) await output.WriteLineAsync($"{app.Name} forwards to Pendo {state.Region} with Pendo key …{state.KeyHint}.");
        else await output.WriteLineAsync($"{app.Name} does not forward to Pendo.");
        return ExitCodes.Ok;
    }
}
