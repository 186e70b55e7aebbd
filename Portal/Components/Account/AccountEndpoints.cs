using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Portal.Core.Users;

namespace Portal.Components.Account;

public static class AccountEndpoints
{
    /// <summary>Sign-out is a form POST (antiforgery-checked), never a GET a link could trigger.</summary>
    public static WebApplication MapPortalAccount(this WebApplication app)
    {
        app.MapPost("/Account/Logout", async (SignInManager<PortalUser> signInManager, [FromForm] string? returnUrl) =>
        {
            await signInManager.SignOutAsync();
            return TypedResults.LocalRedirect("~/Account/Login");
        }).AllowAnonymous();
        return app;
    }
}
