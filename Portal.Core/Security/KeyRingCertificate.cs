using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Portal.Core.Security;

/// <summary>Loads the certificate that encrypts the key ring (<see cref="KeyRingOptions"/>), or says why it cannot.</summary>
public static class KeyRingCertificate
{
    /// <summary>Null when no certificate is configured; throws <see cref="InvalidOperationException"/> with the reason when one is configured but unusable.</summary>
    public static X509Certificate2? Load(KeyRingOptions options, string contentRoot)
    {
        if (!options.HasCertificate) return null;
        if (!string.IsNullOrWhiteSpace(options.CertificatePath) && !string.IsNullOrWhiteSpace(options.CertificateThumbprint))
            throw new InvalidOperationException("KeyRing: set CertificatePath or CertificateThumbprint, not both.");

        var certificate = string.IsNullOrWhiteSpace(options.CertificatePath)
            ? FromStore(options.CertificateThumbprint!)
            : FromFile(System.IO.Path.GetFullPath(options.CertificatePath, contentRoot), options.CertificatePassword);
        if (!certificate.HasPrivateKey)
            throw new InvalidOperationException($"KeyRing: certificate {certificate.Thumbprint} has no private key, so the key ring could not be read back.");
        return certificate;
    }

    private static X509Certificate2 FromFile(string path, string? password)
    {
        if (!File.Exists(path)) throw new InvalidOperationException($"KeyRing: the certificate file '{path}' does not exist.");
        try
        {
            return X509CertificateLoader.LoadPkcs12FromFile(path, password, X509KeyStorageFlags.EphemeralKeySet);
        }
        catch (CryptographicException ex)
        {
            throw new InvalidOperationException($"KeyRing: the certificate file '{path}' cannot be opened (wrong password or not a PFX): {ex.Message}", ex);
        }
    }

    private static X509Certificate2 FromStore(string thumbprint)
    {
        var wanted = thumbprint.Replace(" ", "", StringComparison.Ordinal).Trim();
        foreach (var location in new[] { StoreLocation.CurrentUser, StoreLocation.LocalMachine })
        {
            try
            {
                using var store = new X509Store(StoreName.My, location);
                store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
                var found = store.Certificates.Find(X509FindType.FindByThumbprint, wanted, validOnly: false);
                if (found.Count > 0) return found[0];
            }
            catch (CryptographicException)
            {
                // That store does not exist on this machine (e.g. LocalMachine\My on Linux): try the next.
            }
        }
        throw new InvalidOperationException($"KeyRing: no certificate with thumbprint {wanted} in the CurrentUser or LocalMachine 'My' store.");
    }
}
