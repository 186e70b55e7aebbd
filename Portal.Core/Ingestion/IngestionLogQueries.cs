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
    string? FirstError, double DurationMs);

public sealed record IngestionLogDetail(long Id, string? OutcomesJson, string? RawBody);

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
        return new IngestionLogPage(rows, total);
    }

    public async Task<IngestionLogDetail?> GetDetailAsync(Guid? applicationId, long id, CancellationToken cancellationToken = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await Scope(db, applicationId).Where(e => e.Id == id)
            .Select(e => new IngestionLogDetail(e.Id, e.OutcomesJson, e.RawBody)).FirstOrDefaultAsync(cancellationToken);
    }

    private static IQueryable<IngestionLogEntry> Scope(PortalDbContext db, Guid? applicationId) =>
        applicationId is { } app
            ? db.IngestionLog.AsNoTracking().Where(e => e.ApplicationId == app)
            : db.IngestionLog.AsNoTracking().Where(e => e.ApplicationId == null);
}
