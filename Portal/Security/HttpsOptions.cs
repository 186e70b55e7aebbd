using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http;

namespace Portal.Security;

public sealed class HttpsOptions
{
    public const string SectionName = "Https";

    /// <summary>
    /// Always: every cookie is Secure (the default outside Development). SameAsRequest: Secure when the request
    /// is HTTPS, directly or as a trusted proxy reports it (the default in Development, where plain http is normal).
    /// </summary>
    public CookieSecurePolicy? SecureCookies { get; set; }

    /// <summary>Strict-Transport-Security max-age, sent on HTTPS responses outside Development.</summary>
    [Range(1, 3650)]
    public int HstsMaxAgeDays { get; set; } = 365;

    public CookieSecurePolicy EffectiveCookiePolicy(IHostEnvironment environment) =>
        SecureCookies ?? (environment.IsDevelopment() ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always);
}
