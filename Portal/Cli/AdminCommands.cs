using System.CommandLine;
using Portal.Core.Users;

namespace Portal.Cli;

internal static class AdminCommands
{
    public static Command Create(IServiceProvider services, TextWriter output)
    {
        var email = new Option<string>("--email") { Description = "Sign-in email of the new user.", Required = true };
        var password = new Option<string>("--password") { Description = "Initial password (at least 12 characters).", Required = true };
        var role = new Option<string>("--role") { Description = "Admin or Viewer.", DefaultValueFactory = _ => PortalRoles.Admin };
        role.AcceptOnlyFromAmong(PortalRoles.Admin, PortalRoles.Viewer);

        var createUser = new Command("create-user", "Create a user; works on a new database too, where it creates the first Admin.")
        {
            email, password, role,
        };
        createUser.SetAction(async (parse, ct) =>
        {
            var users = services.GetRequiredService<UserAdminService>();
            var result = await users.CreateAsync(parse.GetRequiredValue(email), parse.GetRequiredValue(password), parse.GetRequiredValue(role), ct);
            if (!result.Succeeded)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"error: {result.Error}");
                return ExitCodes.Failed;
            }
            await output.WriteLineAsync($"Created {parse.GetValue(role)} {parse.GetValue(email)}.");
            return ExitCodes.Ok;
        });

        return new Command("admin", "User administration.") { createUser, Unlock(services, output) };
    }

    private static Command Unlock(IServiceProvider services, TextWriter output)
    {
        var email = new Option<string>("--email") { Description = "Sign-in email of the locked user.", Required = true };
        var unlock = new Command("unlock", "Lift an Admin's lock, a two-factor lockout and failed sign-in throttles from a user.") { email };
        unlock.SetAction(async (parse, ct) =>
        {
            var users = services.GetRequiredService<UserAdminService>();
            var result = await users.UnlockByEmailAsync(parse.GetRequiredValue(email), ct);
            if (!result.Succeeded)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"error: {result.Error}");
                return ExitCodes.Failed;
            }
            await output.WriteLineAsync($"Unlocked {parse.GetValue(email)}.");
            return ExitCodes.Ok;
        });
        return unlock;
    }
}
