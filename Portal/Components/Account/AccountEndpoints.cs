using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Portal.Core.Users;

namespace Portal.Components.Account;

public static class AccountEndpoints
{
    /// <summary>
    /// Sign-out is a form POST, never a GET a link could trigger. The token is checked here rather than by form
    /// binding, so a missing or stale one is a 400 with a reason instead of an exception.
    /// </summary>
    public static WebApplication MapPortalAccount(this WebApplication app)
    {
        app.MapPost("/Account/Logout", async Task<Results<RedirectHttpResult, ProblemHttpResult>> (
            HttpContext context, IAntiforgery antiforgery, SignInManager<PortalUser> signInManager) =>
        {
            if (!await antiforgery.IsRequestValidAsync(context))
                return TypedResults.Problem("The sign-out form has expired: reload the page and sign out again.", statusCode: StatusCodes.Status400BadRequest);
            await signInManager.SignOutAsync();
            return TypedResults.LocalRedirect("~/Account/Login");
        }).AllowAnonymous().DisableAntiforgery();
        return app;
    }
}
