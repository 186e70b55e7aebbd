using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Applications;
using Portal.Core.Data;
using Portal.Core.Ingestion;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Core.Ingestion;

/// <summary>Core ingestion on a real SQLite file with the writer running, one application and key.</summary>
public abstract class IngestionTestBase : CoreTestBase
{
    protected ResolvedApiKey Key { get; private set; } = default!;
    protected Guid AppId => Key.ApplicationId;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var app = await Get<ApplicationService>().CreateAsync("Test app");
        var issued = await Get<ApiKeyService>().GenerateAsync(app.Value!.Id);
        Key = (await Get<ApiKeyResolver>().ResolveAsync(issued.Value!.Key))!;
        await Get<IngestionWriter>().StartAsync(CancellationToken.None);
    }

    public override async Task DisposeAsync()
    {
        await Get<IngestionWriter>().StopAsync(CancellationToken.None);
        await base.DisposeAsync();
    }

    protected Task<IngestionResult> SendAsync(string json, string? signature = null) =>
        Get<IngestionService>().IngestSegmentAsync(Key, Encoding.UTF8.GetBytes(json), signature);

    protected Task<IngestionResult> SendAsync(object message) => SendAsync(JsonSerializer.Serialize(message));

    protected async Task<PortalDbContext> DbAsync() => await Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();

    /// <summary>The metadata entry of one field: its value and event time.</summary>
    protected static JsonElement Field(string metadataJson, string groupType, string name) =>
        JsonDocument.Parse(metadataJson).RootElement.GetProperty(groupType).GetProperty(name);
}
