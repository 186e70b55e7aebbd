using Microsoft.AspNetCore.DataProtection;

namespace Portal.Core.Applications;

/// <summary>Encrypts key values and signing secrets at rest with ASP.NET Core Data Protection.</summary>
public sealed class ApiKeyProtector(IDataProtectionProvider provider)
{
    private readonly IDataProtector _keys = provider.CreateProtector("Portal.ApiKeys.v1");
    private readonly IDataProtector _secrets = provider.CreateProtector("Portal.SigningSecrets.v1");

    public string ProtectKey(string key) => _keys.Protect(key);
    public string UnprotectKey(string protectedKey) => _keys.Unprotect(protectedKey);
    public string ProtectSecret(string secret) => _secrets.Protect(secret);
    public string UnprotectSecret(string protectedSecret) => _secrets.Unprotect(protectedSecret);
}
