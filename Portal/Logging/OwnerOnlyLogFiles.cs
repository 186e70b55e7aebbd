using System.Text;
using Portal.Core.Security;
using Serilog.Sinks.File;

namespace Portal.Logging;

/// <summary>
/// Serilog file-sink hooks that make each log file readable by Portal's user only (0600): the logs name users,
/// client addresses and key hints. <see cref="LoggingExtensions.AddPortalLogging"/> attaches them to every File sink.
/// </summary>
public sealed class OwnerOnlyLogFiles : FileLifecycleHooks
{
    public static OwnerOnlyLogFiles Instance { get; } = new();

    /// <summary>How configuration names this instance (Serilog.Settings.Configuration's static member syntax).</summary>
    public const string ConfigurationValue = "Portal.Logging.OwnerOnlyLogFiles::Instance, Portal";

    public override Stream OnFileOpened(string path, Stream underlyingStream, Encoding encoding)
    {
        OwnerOnlyFiles.Restrict(path);
        return underlyingStream;
    }
}
