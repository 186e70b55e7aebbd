namespace Portal.Core.Security;

/// <summary>
/// The database, its WAL and shared-memory files, the key ring and the logs hold personal data and secrets:
/// Portal creates them readable by its own user only (files 0600, folders 0700). No-op on Windows, where ACLs apply.
/// </summary>
public static class OwnerOnlyFiles
{
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates a missing folder (and missing parents) as 0700; an existing folder is the operator's and is left as it is.</summary>
    public static DirectoryInfo CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows() || Directory.Exists(path)) return Directory.CreateDirectory(path);
        return Directory.CreateDirectory(path, DirectoryMode);
    }

    /// <summary>Creates an empty file as 0600 when it is missing, so whatever opens it next inherits that; an existing one is set to 0600.</summary>
    public static void CreateFile(string path)
    {
        if (OperatingSystem.IsWindows()) return;
        if (File.Exists(path))
        {
            Restrict(path);
            return;
        }
        using var _ = new FileStream(path, new FileStreamOptions { Mode = System.IO.FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, UnixCreateMode = FileMode });
    }

    /// <summary>Sets an existing file to 0600.</summary>
    public static void Restrict(string path)
    {
        if (OperatingSystem.IsWindows() || !File.Exists(path)) return;
        if (File.GetUnixFileMode(path) != FileMode) File.SetUnixFileMode(path, FileMode);
    }
}
