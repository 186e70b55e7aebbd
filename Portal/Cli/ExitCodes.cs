namespace Portal.Cli;

internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The command ran but was refused (validation, duplicate, not found).</summary>
    public const int Failed = 1;

    /// <summary>The command line itself was wrong (System.CommandLine's own parse-error code).</summary>
    public const int Usage = 2;
}
