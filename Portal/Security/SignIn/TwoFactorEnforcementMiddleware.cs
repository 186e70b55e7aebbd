using Microsoft.AspNetCore.Components.Endpoints;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Portal.Core.Users;

namespace Portal.Security.SignIn;

/// <summary>
/// With SignIn:RequireTwoFactorForAdmins, an Admin whose account has no authenticator is sent to set one up
/// before any page outside /Account. Checked against the database on each page request (not a claim), so
/// enabling or disabling 2FA takes effect on the next page.
/// </summary>
internal sealed class TwoFactorEnforcementMiddleware(RequestDelegate next, IOptionsMonitor<SignInSecurityOptions> options)
{
    public const string SetupPath = "/Account/Manage/EnableAuthenticator";

    public async Task InvokeAsync(HttpContext context)
    {
        if (options.CurrentValue.RequireTwoFactorForAdmins
            && context.User.Identity?.IsAuthenticated == true
            && context.User.IsInRole(PortalRoles.Admin)
            && context.GetEndpoint()?.Metadata.GetMetadata<ComponentTypeMetadata>() is not null
            && !context.Request.Path.StartsWithSegments("/Account", StringComparison.OrdinalIgnoreCase)
            // Resolved here, not as an InvokeAsync parameter: a UserManager brings a database context, and every ingestion
            // request would build one for nothing.
            && await context.RequestServices.GetRequiredService<UserManager<PortalUser>>().GetUserAsync(context.User) is { TwoFactorEnabled: false })
        {
            context.Response.Redirect(SetupPath + "?required=true");
            return;
        }
        await next(context);
    }
}
