using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Core.Ingestion;

public enum IngestionLogStatusFilter
{
    All,
    Ok,
    Invalid,
    Refused,
}

/// <summary>Message types the log can be filtered by: entries that carried at least one such message.</summary>
public enum IngestionLogTypeFilter
{
    All,
    Identify,
    Group,
    Track,
    Other,
}

/// <summary>One row of the Ingestion log page; the raw body and outcomes load only when a row is expanded.</summary>
public sealed record IngestionLogRow(long Id, DateTimeOffset ReceivedAt, string Source, string? KeyHint, int StatusCode,
    int IdentifyCount, int GroupCount, int TrackCount, int OtherCount, int Accepted, int Duplicates, int Skipped, int Invalid,
    string? FirstError, double DurationMs)
{
    /// <summary>The screen, page and alias calls among <see cref="OtherCount"/>, by type, from the entry's outcomes.</summary>
    public IReadOnlyDictionary<string, int> OtherTypes { get; init; } = new Dictionary<string, int>();
}

public sealed record IngestionLogDetail(long Id, string? OutcomesJson, string? RawBody, DateTimeOffset? ReceivedAt = null);

public sealed record IngestionLogPage(IReadOnlyList<IngestionLogRow> Rows, int Total);

/// <summary>
/// Reads for the Ingestion log page; server-side paged, newest first. An application id of null reads the
/// entries that belong to no application: requests refused because Portal does not recognise their key.
/// </summary>
public sealed class IngestionLogQueries(IDbContextFactory<PortalDbContext> contextFactory)
{
    public async Task<IngestionLogPage> ListAsync(Guid? applicationId, IngestionLogStatusFilter status, IngestionLogTypeFilter type,
        int skip, int take, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var query = Scope(db, applicationId);
        query = status switch
        {
            IngestionLogStatusFilter.Ok => query.Where(e => e.StatusCode == 200),
            IngestionLogStatusFilter.Invalid => query.Where(e => e.Invalid > 0),
            IngestionLogStatusFilter.Refused => query.Where(e => e.StatusCode != 200 && e.Invalid == 0),
            _ => query,
        };
        query = type switch
        {
            IngestionLogTypeFilter.Identify => query.Where(e => e.IdentifyCount > 0),
            IngestionLogTypeFilter.Group => query.Where(e => e.GroupCount > 0),
            IngestionLogTypeFilter.Track => query.Where(e => e.TrackCount > 0),
            IngestionLogTypeFilter.Other => query.Where(e => e.OtherCount > 0),
            _ => query,
        };
        var total = await query.CountAsync(cancellationToken);
        var rows = await query.OrderByDescending(e => e.Id).Skip(skip).Take(take)
            .Select(e => new IngestionLogRow(e.Id, e.ReceivedAt, e.Source, e.KeyHint, e.StatusCode, e.IdentifyCount, e.GroupCount, e.TrackCount,
                e.OtherCount, e.Accepted, e.Duplicates, e.Skipped, e.Invalid, e.FirstError, e.DurationMs))
            .ToListAsync(cancellationToken);
        return new IngestionLogPage(await WithOtherTypesAsync(db, rows, cancellationToken), total);
    }

    /// <summary>Names the "other" calls of a page's rows (screen, page, alias, unknown types) from their outcomes, read for those rows only.</summary>
    private static async Task<List<IngestionLogRow>> WithOtherTypesAsync(PortalDbContext db, List<IngestionLogRow> rows, CancellationToken cancellationToken)
    {
        var ids = rows.Where(r => r.OtherCount > 0).Select(r => r.Id).ToList();
        if (ids.Count == 0) return rows;
        var outcomes = await db.IngestionLog.AsNoTracking().Where(e => ids.Contains(e.Id))
            .Select(e => new { e.Id, e.OutcomesJson }).ToDictionaryAsync(e => e.Id, e => e.OutcomesJson, cancellationToken);
        return rows.Select(r => outcomes.TryGetValue(r.Id, out var json) ? r with { OtherTypes = OtherTypesOf(json) } : r).ToList();
    }

    private static Dictionary<string, int> OtherTypesOf(string? outcomesJson)
    {
        var types = new Dictionary<string, int>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(outcomesJson)) return types;
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(outcomesJson);
            foreach (var outcome in document.RootElement.EnumerateArray())
            {
                // Only Segment's own call names: anything else is the sender's text, of any length, and stays "other".
                var type = outcome.TryGetProperty("type", out var t) && t.ValueKind == System.Text.Json.JsonValueKind.String ? t.GetString() : null;
                if (type is "screen" or "page" or "alias") types[type] = types.GetValueOrDefault(type) + 1;
            }
        }
        catch (System.Text.Json.JsonException) { }
        return types;
    }

    public async Task<IngestionLogDetail?> GetDetailAsync(Guid? applicationId, long id, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await Scope(db, applicationId).Where(e => e.Id == id)
            .Select(e => new IngestionLogDetail(e.Id, e.OutcomesJson, e.RawBody, e.ReceivedAt)).FirstOrDefaultAsync(cancellationToken);
    }

    private static IQueryable<IngestionLogEntry> Scope(PortalDbContext db, Guid? applicationId) =>
        applicationId is { } app
            ? db.IngestionLog.AsNoTracking().Where(e => e.ApplicationId == app)
            : db.IngestionLog.AsNoTracking().Where(e => e.ApplicationId == null);
}
