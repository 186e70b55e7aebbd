using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Applications;
using Portal.Core.Data;
using Portal.Core.Forwarding;
using Portal.Core.Ingestion;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Core.Forwarding;

/// <summary>
/// Core with the ingestion writer running, one application whose Portal key receives messages, and a fake Pendo
/// configured as region "Fake". The forwarder's passes are driven by the test (<see cref="DeliverAsync"/>) on the fake clock.
/// </summary>
public abstract class ForwardingTestBase : CoreTestBase
{
    protected FakePendo Pendo { get; } = new();
    protected string PendoKey { get; } = Guid.NewGuid().ToString();
    protected Guid AppId { get; private set; }
    private string _portalKey = "";

    protected override void Configure(Dictionary<string, string?> settings, IServiceCollection services)
    {
        settings["Forwarding:Regions:0:Name"] = "Fake";
        settings["Forwarding:Regions:0:BaseUrl"] = Pendo.BaseUrl;
        settings["Forwarding:InitialBackoffSeconds"] = "1";
        settings["Forwarding:MaxBackoffSeconds"] = "60";
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        AppId = (await Get<ApplicationService>().CreateAsync("Shop")).Value!.Id;
        _portalKey = (await Get<ApiKeyService>().GenerateAsync(AppId)).Value!.Key;
        await Get<IngestionWriter>().StartAsync(CancellationToken.None);
    }

    public override async Task DisposeAsync()
    {
        await Get<IngestionWriter>().StopAsync(CancellationToken.None);
        await Pendo.DisposeAsync();
        await base.DisposeAsync();
    }

    protected async Task EnableAsync()
    {
        var result = await Get<ForwardingService>().EnableAsync(AppId, "Fake", pendoKey: PendoKey);
        Assert.True(result.Succeeded, result.Error);
    }

    /// <summary>Posts a body as Segment would, through the key resolver as the endpoint does.</summary>
    protected async Task<IngestionResult> SendAsync(string json)
    {
        var key = (await Get<ApiKeyResolver>().ResolveAsync(_portalKey))!;
        return await Get<IngestionService>().IngestSegmentAsync(key, Encoding.UTF8.GetBytes(json));
    }

    protected static string Track(string messageId, string @event = "Clicked") =>
        $$$"""{"type":"track","userId":"u-1","event":"{{{@event}}}","messageId":"{{{messageId}}}","properties":{"plan":"pro"}}""";

    protected Task<int> DeliverAsync() => Get<PendoForwarder>().DeliverDueAsync(CancellationToken.None);

    protected async Task<List<OutboxEntry>> EntriesAsync()
    {
        await using var db = await Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        return await db.ForwardingOutbox.AsNoTracking().OrderBy(m => m.Id).ToListAsync();
    }

    /// <summary>The outbox message by message, in order (an entry holds one or more).</summary>
    protected async Task<List<QueuedMessage>> OutboxAsync() => [.. (await EntriesAsync()).SelectMany(QueuedMessage.Of)];

    protected sealed record QueuedMessage(long EntryId, string MessageId, string? Json, OutboxState State, int Attempts, DateTimeOffset DueAt,
        int? LastStatus, string? LastError)
    {
        public static IEnumerable<QueuedMessage> Of(OutboxEntry entry)
        {
            var ids = OutboxBody.ParseIds(entry.MessageIds);
            Assert.Equal(entry.Count, ids.Length);
            var json = entry.Body is null ? null : OutboxBody.Split(OutboxBody.Unpack(entry.Body)).ConvertAll(m => Encoding.UTF8.GetString(m.Span));
            return ids.Select((id, i) => new QueuedMessage(entry.Id, id, json?[i], entry.State, entry.Attempts, entry.DueAt, entry.LastStatus, entry.LastError));
        }
    }
}
