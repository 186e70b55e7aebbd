using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Common;
using Portal.Core.Ingestion;
using Portal.Core.Metadata;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Core.Ingestion;

/// <summary>
/// A known field's Data Mappings counts and samples wait in the writer and are written once per flush, like visitors'
/// counts; a new field or a new type is written at once, a clean stop loses nothing, and a deleted field's waiting counts
/// do not bring it back. The interval here is the longest allowed, so what waits keeps waiting unless something flushes it.
/// </summary>
public class FieldCountsTests : IngestionTestBase
{
    protected override void Configure(Dictionary<string, string?> settings, IServiceCollection services) =>
        settings["Ingestion:EntityCountsFlushMilliseconds"] = "60000";

    private Task<IngestionResult> TrackAsync(string messageId, object plan, int minute = 0) =>
        SendAsync(new { type = "track", userId = "u1", messageId, @event = "Clicked", timestamp = $"2026-01-01T10:{minute:D2}:00Z", properties = new { plan } });

    private async Task<MetadataField?> PlanFieldAsync()
    {
        await using var db = await DbAsync();
        return await db.MetadataFields.AsNoTracking()
            .SingleOrDefaultAsync(f => f.ApplicationId == AppId && f.Kind == FieldKind.TrackProperty && f.Name == "plan");
    }

    [Fact]
    public async Task ANewFieldIsWrittenAtOnceAndAKnownFieldsCountsWaitForTheFlush()
    {
        await TrackAsync("m1", "free");
        Assert.Equal(1, (await PlanFieldAsync())!.Count);

        await TrackAsync("m2", "pro", minute: 1);
        await TrackAsync("m3", "team", minute: 2);

        var field = (await PlanFieldAsync())!;
        Assert.Equal(1, field.Count);
        Assert.DoesNotContain("team", field.SamplesJson);
        await using var db = await DbAsync();
        Assert.Equal(3, await db.Events.CountAsync());
    }

    [Fact]
    public async Task ANewTypeIsWrittenAtOnceWithTheCountsThatWaited()
    {
        await TrackAsync("m1", 1);
        await TrackAsync("m2", 2, minute: 1);
        await TrackAsync("m3", "three", minute: 2);

        var field = (await PlanFieldAsync())!;
        Assert.Equal(3, field.Count);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 10, 2, 0, TimeSpan.Zero), field.LastSeen);
        Assert.Contains("three", field.SamplesJson);
        Assert.True(System.Numerics.BitOperations.PopCount((uint)field.TypesSeen) > 1, "both types are recorded: the conflict shows");
    }

    [Fact]
    public async Task AStoppingWriterWritesTheFieldCountsStillWaiting()
    {
        await TrackAsync("m1", "free");
        await TrackAsync("m2", "pro", minute: 1);
        await TrackAsync("m3", "team", minute: 2);

        await Get<IngestionWriter>().StopAsync(CancellationToken.None);

        var field = (await PlanFieldAsync())!;
        Assert.Equal((3L, new DateTimeOffset(2026, 1, 1, 10, 2, 0, TimeSpan.Zero)), (field.Count, field.LastSeen));
        Assert.Contains("team", field.SamplesJson);
    }

    [Fact]
    public async Task ADeletedFieldsWaitingCountsDoNotBringItBack()
    {
        await TrackAsync("m1", "free");
        await TrackAsync("m2", "pro", minute: 1);

        var deleted = await Get<DataMappingsService>().DeleteAsync(new Portal.Core.Metadata.FieldKey(AppId, FieldKind.TrackProperty, "Clicked", "plan"));
        Assert.True(deleted.Succeeded, deleted.Error);
        await Get<IngestionWriter>().StopAsync(CancellationToken.None);

        Assert.Null(await PlanFieldAsync());
    }
}

public sealed class FieldCountsTestsOnPostgres : FieldCountsTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}

/// <summary>With a short interval, a known field's waiting counts reach the database by themselves once traffic stops.</summary>
public class FieldCountsIdleFlushTests : IngestionTestBase
{
    protected override void Configure(Dictionary<string, string?> settings, IServiceCollection services) =>
        settings["Ingestion:EntityCountsFlushMilliseconds"] = "20";

    [Fact]
    public async Task WaitingFieldCountsAreWrittenWhenTheWriterFallsIdle()
    {
        for (var i = 0; i < 5; i++)
            await SendAsync(new { type = "track", userId = "u1", messageId = $"m{i}", @event = "Clicked", timestamp = "2026-01-01T10:00:00Z", properties = new { plan = $"p{i}" } });

        // The flush is due 20 ms after the last one, whenever the machine gets there.
        var count = await Eventually.ReadAsync(async () =>
        {
            await using var db = await DbAsync();
            return await db.MetadataFields.Where(f => f.Name == "plan" && f.GroupType == GroupTypes.Segment).Select(f => f.Count).SingleAsync();
        }, c => c == 5);
        Assert.Equal(5, count);
    }
}
