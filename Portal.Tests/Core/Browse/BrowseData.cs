using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Accounts;
using Portal.Core.Applications;
using Portal.Core.Common;
using Portal.Core.Data;
using Portal.Core.Events;
using Portal.Core.Metadata;
using Portal.Core.Visitors;

namespace Portal.Tests.Core.Browse;

/// <summary>Writes browse data straight into the test database, in the shapes of the data contracts.</summary>
internal sealed class BrowseData(IDbContextFactory<PortalDbContext> factory)
{
    public const string Script = "<script>alert(1)</script>";
    public const string ImgBreakout = "\"><img src=x onerror=alert(1)>";

    public async Task<Guid> AppAsync(string name = "Shop")
    {
        await using var db = await factory.CreateDbContextAsync();
        var app = new Application { Name = name, CreatedAt = DateTimeOffset.UtcNow };
        db.Applications.Add(app);
        await db.SaveChangesAsync();
        return app.Id;
    }

    public async Task FieldAsync(Guid app, FieldKind kind, string groupType, string name, string eventName = "", FieldType type = FieldType.Text,
        int? typesSeen = null, long count = 1, string[]? samples = null, bool hidden = false, bool truncated = false, DateTimeOffset? lastSeen = null)
    {
        await using var db = await factory.CreateDbContextAsync();
        var seen = lastSeen ?? DateTimeOffset.UtcNow;
        db.MetadataFields.Add(new MetadataField
        {
            ApplicationId = app, Kind = kind, GroupType = groupType, EventName = eventName, Name = name, InferredType = type,
            TypesSeen = typesSeen ?? 1 << (int)type, Count = count, FirstSeen = seen.AddDays(-1), LastSeen = seen,
            SamplesJson = JsonSerializer.Serialize(samples ?? ["a"]), Hidden = hidden, ValuesTruncated = truncated,
        });
        await db.SaveChangesAsync();
    }

    public async Task OverflowAsync(Guid app, FieldKind kind, string groupType, long dropped)
    {
        await using var db = await factory.CreateDbContextAsync();
        db.MetadataFieldOverflows.Add(new MetadataFieldOverflow { ApplicationId = app, Kind = kind, GroupType = groupType, DroppedCount = dropped, LastDroppedAt = DateTimeOffset.UtcNow });
        await db.SaveChangesAsync();
    }

    public static string Metadata(string groupType, params (string Name, object? Value)[] fields) =>
        JsonSerializer.Serialize(new Dictionary<string, object>
        {
            [groupType] = fields.ToDictionary(f => f.Name, f => (object)new Dictionary<string, object?> { ["v"] = f.Value, ["t"] = "2026-11-01T10:00:00Z" }),
        });

    public async Task VisitorAsync(Guid app, string visitorId, string metadataJson = "{}", DateTimeOffset? lastSeen = null, params string[] accounts)
    {
        await using var db = await factory.CreateDbContextAsync();
        var seen = lastSeen ?? DateTimeOffset.UtcNow;
        db.Visitors.Add(new Visitor { ApplicationId = app, VisitorId = visitorId, MetadataJson = metadataJson, FirstSeen = seen.AddDays(-2), LastSeen = seen });
        foreach (var account in accounts)
        {
            db.VisitorAccounts.Add(new VisitorAccount { ApplicationId = app, VisitorId = visitorId, AccountId = account, LinkedAt = seen });
        }
        await db.SaveChangesAsync();
    }

    public async Task SetEventCountsAsync(Guid app, params (string VisitorId, long Count)[] counts)
    {
        await using var db = await factory.CreateDbContextAsync();
        foreach (var (visitorId, count) in counts)
            await db.Visitors.Where(v => v.ApplicationId == app && v.VisitorId == visitorId).ExecuteUpdateAsync(s => s.SetProperty(v => v.EventCount, count));
    }

    public async Task AccountAsync(Guid app, string accountId, bool hasMetadata, string metadataJson = "{}")
    {
        await using var db = await factory.CreateDbContextAsync();
        db.Accounts.Add(new Account { ApplicationId = app, AccountId = accountId, HasMetadata = hasMetadata, MetadataJson = metadataJson, FirstSeen = DateTimeOffset.UtcNow.AddDays(-3), LastSeen = DateTimeOffset.UtcNow });
        await db.SaveChangesAsync();
    }

    /// <summary>Adds events in time order (ids grow with ReceivedAt, as the writer stores them).</summary>
    public async Task EventsAsync(Guid app, params (string Type, string? Name, string? VisitorId, DateTimeOffset ReceivedAt)[] events)
    {
        await using var db = await factory.CreateDbContextAsync();
        foreach (var e in events.OrderBy(e => e.ReceivedAt))
        {
            db.Events.Add(new SegmentEvent
            {
                ApplicationId = app, MessageId = Guid.NewGuid().ToString("N"), Type = e.Type, Name = e.Type == "track" ? e.Name : null,
                VisitorId = e.VisitorId, PayloadJson = e.Type == "track" ? "{\"plan\":\"pro\"}" : "{}", Timestamp = e.ReceivedAt, ReceivedAt = e.ReceivedAt,
                GroupType = GroupTypes.Segment,
            });
            await db.SaveChangesAsync();
        }
    }
}
