using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Core.Ingestion;
using Portal.Core.Ingestion.Faults;
using Portal.Core.Ingestion.Metrics;

namespace Portal.Tests.Infrastructure;

/// <summary>Ingestion metrics on a meter factory of their own, for tests that construct the classes recording them.</summary>
public static class TestMetrics
{
    public static IngestionMetrics Create(TimeProvider time) =>
        new(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>(),
            new IngestionQueue(Options.Create(new IngestionOptions())), new WriterHealth(), time);
}
