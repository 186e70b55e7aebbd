using System.CommandLine;
using Portal.Core.Applications;

namespace Portal.Cli;

/// <summary><c>keys create|import|list|revoke</c>. A key's full value is printed only by create (once).</summary>
internal static class KeysCommands
{
    public static Command Create(IServiceProvider services, TextWriter output)
    {
        return new Command("keys", "API keys of an application.")
        {
            CreateKey(services, output),
            ImportKey(services, output),
            ListKeys(services, output),
            RevokeKey(services, output),
        };
    }

    private static Option<string> AppOption() => new("--app") { Description = "Application name or id.", Required = true };

    private static Command CreateKey(IServiceProvider services, TextWriter output)
    {
        var app = AppOption();
        var label = new Option<string?>("--label") { Description = "Where the key is used." };
        var json = CliOutput.JsonOption();
        var command = new Command("create", "Generate a key; prints it once, with its webhook URLs.") { app, label, json };
        command.SetAction(async (parse, ct) =>
        {
            var found = await services.GetRequiredService<ApplicationService>().FindAsync(parse.GetRequiredValue(app), ct);
            if (!found.Succeeded) return await CliOutput.FailAsync(parse, found.Error!);
            var issued = await services.GetRequiredService<ApiKeyService>().GenerateAsync(found.Value!.Id, parse.GetValue(label), ct);
            if (!issued.Succeeded) return await CliOutput.FailAsync(parse, issued.Error!);
            await WriteIssuedAsync(services, output, found.Value, issued.Value!, parse.GetValue(json));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command ImportKey(IServiceProvider services, TextWriter output)
    {
        var app = AppOption();
        var key = new Option<string>("--key") { Description = "The existing Pendo API key (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx).", Required = true };
        var label = new Option<string?>("--label") { Description = "Where the key is used." };
        var json = CliOutput.JsonOption();
        var command = new Command("import", "Take over an existing Pendo key so Segment's configuration keeps working.") { app, key, label, json };
        command.SetAction(async (parse, ct) =>
        {
            var found = await services.GetRequiredService<ApplicationService>().FindAsync(parse.GetRequiredValue(app), ct);
            if (!found.Succeeded) return await CliOutput.FailAsync(parse, found.Error!);
            var imported = await services.GetRequiredService<ApiKeyService>()
                .ImportAsync(found.Value!.Id, parse.GetRequiredValue(key), parse.GetValue(label), ct);
            if (!imported.Succeeded) return await CliOutput.FailAsync(parse, imported.Error!);
            var issued = imported.Value!;
            // The caller already holds the key: confirm by hint only.
            if (parse.GetValue(json)) await CliOutput.WriteJsonAsync(output, new { issued.KeyId, issued.ApplicationId, application = found.Value.Name, issued.Hint });
            else await output.WriteLineAsync($"Imported key …{issued.Hint} into {found.Value.Name} (id {issued.KeyId}).");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command ListKeys(IServiceProvider services, TextWriter output)
    {
        var app = AppOption();
        var json = CliOutput.JsonOption();
        var command = new Command("list", "List an application's keys, masked.") { app, json };
        command.SetAction(async (parse, ct) =>
        {
            var found = await services.GetRequiredService<ApplicationService>().FindAsync(parse.GetRequiredValue(app), ct);
            if (!found.Succeeded) return await CliOutput.FailAsync(parse, found.Error!);
            var keys = await services.GetRequiredService<ApiKeyService>().ListAsync(found.Value!.Id, ct);
            if (parse.GetValue(json))
            {
                await CliOutput.WriteJsonAsync(output, keys.Select(KeyJson));
                return ExitCodes.Ok;
            }
            if (keys.Count == 0)
            {
                await output.WriteLineAsync($"{found.Value.Name} has no keys.");
                return ExitCodes.Ok;
            }
            foreach (var k in keys)
            {
                var status = k.Status switch
                {
                    ApiKeyStatus.Expiring => $"expires {k.ExpiresAt:u}",
                    _ => k.Status.ToString().ToLowerInvariant(),
                };
                await output.WriteLineAsync($"{k.Id}  {k.Masked}  {status}  {k.Origin.ToString().ToLowerInvariant()}  {k.Label}".TrimEnd());
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command RevokeKey(IServiceProvider services, TextWriter output)
    {
        var hint = new Option<string?>("--key-hint") { Description = "The key's last four characters." };
        var id = new Option<Guid?>("--id") { Description = "The key's id (from keys list)." };
        var app = new Option<string?>("--app") { Description = "Application name or id, to tell apart keys sharing a hint." };
        var json = CliOutput.JsonOption();
        var command = new Command("revoke", "Revoke a key: it stops working at once.") { hint, id, app, json };
        command.Validators.Add(result =>
        {
            if ((result.GetValue(hint) is null) == (result.GetValue(id) is null)) result.AddError("Give exactly one of --key-hint or --id.");
        });
        command.SetAction(async (parse, ct) =>
        {
            var keys = services.GetRequiredService<ApiKeyService>();
            ApiKeySummary? key;
            if (parse.GetValue(id) is { } keyId)
            {
                key = await keys.GetAsync(keyId, ct);
                if (key is null) return await CliOutput.FailAsync(parse, $"No key has the id {keyId}.");
            }
            else
            {
                IEnumerable<ApiKeySummary> matches = await keys.FindByHintAsync(parse.GetValue(hint)!, ct);
                if (parse.GetValue(app) is { } appName)
                {
                    var found = await services.GetRequiredService<ApplicationService>().FindAsync(appName, ct);
                    if (!found.Succeeded) return await CliOutput.FailAsync(parse, found.Error!);
                    matches = matches.Where(k => k.ApplicationId == found.Value!.Id);
                }
                // Already revoked keys sharing the hint are no reason to refuse.
                var live = matches.Where(k => k.Status != ApiKeyStatus.Revoked).ToList();
                if (live.Count == 0) return await CliOutput.FailAsync(parse, $"No unrevoked key ends in '{parse.GetValue(hint)}'.");
                if (live.Count > 1)
                    return await CliOutput.FailAsync(parse,
                        $"{live.Count} keys end in '{parse.GetValue(hint)}': give --app or --id ({string.Join(", ", live.Select(k => $"{k.Id} in {k.ApplicationName}"))}).");
                key = live[0];
            }
            var result = await keys.RevokeAsync(key.Id, ct);
            if (!result.Succeeded) return await CliOutput.FailAsync(parse, result.Error!);
            if (parse.GetValue(json)) await CliOutput.WriteJsonAsync(output, new { key.Id, key.ApplicationId, application = key.ApplicationName, key.Hint, revoked = true });
            else await output.WriteLineAsync($"Revoked key …{key.Hint} of {key.ApplicationName}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task WriteIssuedAsync(IServiceProvider services, TextWriter output, ApplicationSummary app, IssuedApiKey issued, bool json)
    {
        var urls = services.GetRequiredService<WebhookUrlBuilder>().Build(issued.Key, issued.Origin);
        if (json)
        {
            await CliOutput.WriteJsonAsync(output, new
            {
                issued.KeyId, issued.ApplicationId, application = app.Name, key = issued.Key, issued.Hint,
                urls = urls.Select(u => new { region = u.Name, u.Url }),
            });
            return;
        }
        await output.WriteLineAsync($"Key for {app.Name} (shown once; Admins can reveal it later in the web UI):");
        await output.WriteLineAsync($"  {issued.Key}");
        await output.WriteLineAsync("Segment webhook URLs (" + WebhookUrlBuilder.WhereItWorks(issued.Origin) + "):");
        foreach (var url in urls) await output.WriteLineAsync($"  {url.Name,-12} {url.Url}");
        if (!urls.Any(u => u.IsThisPortal))
            await output.WriteLineAsync($"  (set {WebhookOptions.SectionName}:PublicBaseUrl to print this Portal's own URL)");
    }

    private static object KeyJson(ApiKeySummary k) => new
    {
        k.Id, k.ApplicationId, application = k.ApplicationName, k.Label, k.Hint, key = k.Masked, k.Origin, k.Status,
        k.CreatedAt, k.CreatedBy, k.LastUsedAt, k.RevokedAt, k.ExpiresAt, k.ReplacedByKeyId,
    };
}
