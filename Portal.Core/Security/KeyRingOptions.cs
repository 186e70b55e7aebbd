using System.ComponentModel.DataAnnotations;

namespace Portal.Core.Security;

/// <summary>Where ASP.NET Core Data Protection keeps its key ring (it encrypts API keys and sign-in cookies).</summary>
public sealed class KeyRingOptions
{
    public const string SectionName = "KeyRing";

    /// <summary>FileSystem (default, a folder) or Database (Portal's own database, so one backup holds data and keys together).</summary>
    public KeyRingStore Store { get; set; } = KeyRingStore.FileSystem;

    /// <summary>Key ring folder for the FileSystem store, relative to the content root. Keep it out of git and backed up.</summary>
    [Required]
    public string Path { get; set; } = "data/keys";
}

public enum KeyRingStore
{
    FileSystem = 0,
    Database = 1,
}
