namespace Portal.Hosting.Shutdown;

public static class ShutdownServiceCollectionExtensions
{
    /// <summary>A drain window at SIGTERM, before the web server and the ingestion writer stop.</summary>
    public static IServiceCollection AddPortalShutdownDrain(this IServiceCollection services)
    {
        services.AddOptions<ShutdownOptions>()
            .BindConfiguration(ShutdownOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddHostedService<ShutdownDrain>();
        return services;
    }
}
