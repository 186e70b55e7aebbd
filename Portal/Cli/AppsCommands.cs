using System.CommandLine;
using Humanizer;
using Portal.Core.Applications;
using Portal.Core.Forwarding;

namespace Portal.Cli;

/// <summary><c>apps create</c>, <c>apps list</c> and <c>apps forward</c>.</summary>
internal static class AppsCommands
{
    public static Command Create(IServiceProvider services, TextWriter output)
    {
        var name = new Option<string>("--name") { Description = "Name of the application (unique).", Required = true };
        var platform = new Option<string>("--platform") { Description = "web or mobile.", DefaultValueFactory = _ => "web" };
        var region = new Option<string>("--region") { Description = "Default region, e.g. US or EU.", DefaultValueFactory = _ => "US" };
        var description = new Option<string?>("--description") { Description = "What the application is." };
        var json = CliOutput.JsonOption();

        var create = new Command("create", "Create an application.") { name, platform, region, description, json };
        create.SetAction(async (parse, ct) =>
        {
            if (!Enum.TryParse<AppPlatform>(parse.GetValue(platform), ignoreCase: true, out var appPlatform) || !Enum.IsDefined(appPlatform))
                return await CliOutput.FailAsync(parse, $"Unknown platform '{parse.GetValue(platform)}'. Use web or mobile.", ExitCodes.Usage);
            var apps = services.GetRequiredService<ApplicationService>();
            var result = await apps.CreateAsync(parse.GetRequiredValue(name), appPlatform, parse.GetRequiredValue(region),
                parse.GetValue(description), ct);
            if (!result.Succeeded) return await CliOutput.FailAsync(parse, result.Error!);
            var app = (await apps.GetAsync(result.Value!.Id, ct))!;
            if (parse.GetValue(json)) await CliOutput.WriteJsonAsync(output, AppJson(app, null));
            else await output.WriteLineAsync($"Created application {app.Name} ({app.Platform}, {app.Region}) with id {app.Id}.");
            return ExitCodes.Ok;
        });

        var archived = new Option<bool>("--archived") { Description = "Include archived applications." };
        var listJson = CliOutput.JsonOption();
        var list = new Command("list", "List applications with their working key counts.") { archived, listJson };
        list.SetAction(async (parse, ct) =>
        {
            var apps = await services.GetRequiredService<ApplicationService>().ListAsync(parse.GetValue(archived), ct);
            var forwarding = await services.GetRequiredService<ForwardingQueries>().StatesAsync(ct);
            if (parse.GetValue(listJson))
            {
                await CliOutput.WriteJsonAsync(output, apps.Select(a => AppJson(a, forwarding.GetValueOrDefault(a.Id))));
                return ExitCodes.Ok;
            }
            if (apps.Count == 0)
            {
                await output.WriteLineAsync("No applications.");
                return ExitCodes.Ok;
            }
            foreach (var app in apps)
            {
                var state = app.IsArchived ? "  archived" : "";
                if (forwarding.GetValueOrDefault(app.Id) is { Enabled: true } f) state += $"  forwards to {f.Region}";
                await output.WriteLineAsync($"{app.Id}  {app.Name}  {app.Platform}  {app.Region}  {"key".ToQuantity(app.KeyCount)}{state}");
            }
            return ExitCodes.Ok;
        });

        return new Command("apps", "Applications.") { create, list, ForwardCommand.Create(services, output) };
    }

    private static object AppJson(ApplicationSummary app, ForwardingState? forwarding) => new
    {
        app.Id, app.Name, app.Platform, app.Region, app.Description, app.CreatedAt, archived = app.IsArchived, app.KeyCount,
        forwarding = ForwardCommand.Json(forwarding),
    };
}
