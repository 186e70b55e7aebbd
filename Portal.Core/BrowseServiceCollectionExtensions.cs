using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Accounts;
using Portal.Core.Dashboard;
using Portal.Core.Events;
using Portal.Core.Metadata;
using Portal.Core.Visitors;

namespace Portal.Core;

public static class BrowseServiceCollectionExtensions
{
    /// <summary>The read side of ingested data (Data Mappings, visitors, accounts, track events, dashboard) and mapping edits.</summary>
    public static IServiceCollection AddBrowseQueries(this IServiceCollection services)
    {
        // Scoped: mapping edits act as the scope's current user.
        services.AddScoped<DataMappingsService>();
        services.AddSingleton<DefaultDisplayNames>();
        services.AddSingleton<VisitorQueries>();
        services.AddSingleton<AccountQueries>();
        services.AddScoped<TrackEventQueries>();
        services.AddSingleton<TrackEventCounts>();
        services.AddSingleton<DashboardService>();
        services.AddSingleton<Erasure.EntityEraser>();
        services.AddScoped<Erasure.ErasureService>();
        services.AddScoped<Metadata.Custom.CustomFieldService>();
        return services;
    }
}
