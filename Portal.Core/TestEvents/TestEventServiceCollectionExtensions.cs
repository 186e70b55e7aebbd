using Microsoft.Extensions.DependencyInjection;

namespace Portal.Core.TestEvents;

public static class TestEventServiceCollectionExtensions
{
    public static IServiceCollection AddPortalTestEvents(this IServiceCollection services)
    {
        services.AddSingleton<SampleEventFactory>();
        services.AddSingleton<TestEventEffectReader>();
        // Transient: it holds a typed HttpClient, whose handler the factory rotates.
        services.AddTransient<TestEventRunner>();
        // Its own timeout governs; the client's default (100 s) must not cut in first.
        services.AddHttpClient<TestEventSender>(c => c.Timeout = System.Threading.Timeout.InfiniteTimeSpan);
        return services;
    }
}
