using System.ComponentModel.DataAnnotations;

namespace Portal.Hosting.Shutdown;

public sealed class ShutdownOptions
{
    public const string SectionName = "Shutdown";

    /// <summary>
    /// How long, after SIGTERM, the server keeps answering before it closes its connections: requests arriving
    /// on open keep-alive connections get 503 + <c>Connection: close</c> instead of a reset. 0 closes at once.
    /// </summary>
    [Range(0, 60)]
    public int DrainSeconds { get; set; } = 3;
}
