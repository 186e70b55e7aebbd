using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Portal.Security;

/// <summary>
/// Which proxies may tell Portal the client's address and scheme (X-Forwarded-For / X-Forwarded-Proto).
/// Nothing configured: only a proxy on loopback is trusted. Anything configured replaces that default.
/// </summary>
public sealed class ReverseProxyOptions : IValidatableObject
{
    public const string SectionName = "ReverseProxy";

    /// <summary>Proxy addresses, e.g. "10.0.0.5" or "::1".</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Proxy networks in CIDR form, e.g. "10.0.0.0/8".</summary>
    public string[] KnownNetworks { get; set; } = [];

    /// <summary>How many proxies in a row may add an X-Forwarded-For entry (each must be trusted).</summary>
    [Range(1, 10)]
    public int ForwardLimit { get; set; } = 1;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var proxy in KnownProxies.Where(p => !IPAddress.TryParse(p, out _)))
            yield return new ValidationResult($"ReverseProxy:KnownProxies: '{proxy}' is not an IP address.");
        foreach (var network in KnownNetworks.Where(n => !IPNetwork.TryParse(n, out _)))
            yield return new ValidationResult($"ReverseProxy:KnownNetworks: '{network}' is not a network in CIDR form (10.0.0.0/8).");
    }
}
