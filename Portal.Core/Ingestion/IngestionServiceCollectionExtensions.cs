using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Portal.Core.Ingestion;

public static class IngestionServiceCollectionExtensions
{
    /// <summary>The ingestion pipeline without HTTP: options, parser service, queue, the group-commit writer and log queries.</summary>
    public static IServiceCollection AddPortalIngestionCore(this IServiceCollection services)
    {
        services.AddOptions<IngestionOptions>()
            .BindConfiguration(IngestionOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => o.RateLimit.RequestsPerSecond is >= 0 and <= 1_000_000, "Ingestion:RateLimit:RequestsPerSecond must be between 0 and 1,000,000.")
            .Validate(o => o.MaxMessageBytes <= o.MaxRequestBytes, "Ingestion:MaxMessageBytes cannot exceed Ingestion:MaxRequestBytes.")
            .ValidateOnStart();
        services.AddSingleton<IngestionQueue>();
        services.AddSingleton<IngestionService>();
        services.AddSingleton<CatalogueInvalidation>();
        services.AddSingleton<IngestionLogQueries>();
        services.AddSingleton<RefusedKeyLog>();
        services.AddSingleton<IngestionStoreFactory>();
        services.AddSingleton<Faults.WriterHealth>();
        services.AddMetrics();
        services.AddSingleton<Metrics.IngestionMetrics>();
        services.AddSingleton<IngestionWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<IngestionWriter>());
        services.AddHostedService<Postgres.PostgresIngestionListener>();
        services.AddSingleton<Postgres.PostgresIngestionAnnouncer>();
        services.AddHostedService(sp => sp.GetRequiredService<Postgres.PostgresIngestionAnnouncer>());
        return services;
    }
}
