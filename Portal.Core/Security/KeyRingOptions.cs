using System.ComponentModel.DataAnnotations;

namespace Portal.Core.Security;

/// <summary>Where ASP.NET Core Data Protection keeps its key ring (it encrypts API keys and sign-in cookies), and how the ring itself is protected.</summary>
public sealed class KeyRingOptions
{
    public const string SectionName = "KeyRing";

    /// <summary>FileSystem (default, a folder) or Database (Portal's own database, so one backup holds data and keys together).</summary>
    public KeyRingStore Store { get; set; } = KeyRingStore.FileSystem;

    /// <summary>Key ring folder for the FileSystem store, relative to the content root. Keep it out of git and backed up.</summary>
    [Required]
    public string Path { get; set; } = "data/keys";

    /// <summary>
    /// A PFX file (relative to the content root) whose certificate encrypts the key ring's master keys at rest
    /// (Data Protection's ProtectKeysWithCertificate). Unset, with no thumbprint: the ring is stored unencrypted,
    /// and whoever can read it (or, with Store=Database, a database backup) can decrypt every stored API key.
    /// </summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PFX file's password.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>Instead of a file: the thumbprint of a certificate with its private key in the current user's (or the machine's) "My" store.</summary>
    public string? CertificateThumbprint { get; set; }

    public bool HasCertificate => !string.IsNullOrWhiteSpace(CertificatePath) || !string.IsNullOrWhiteSpace(CertificateThumbprint);
}

public enum KeyRingStore
{
    FileSystem = 0,
    Database = 1,
}
