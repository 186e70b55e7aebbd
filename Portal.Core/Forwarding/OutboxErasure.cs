using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Core.Forwarding;

/// <summary>
/// Erasure's part in the outbox: a message still on its way to Pendo (or dead-lettered) holds the person's data too. It is
/// taken out of its entry, and a tombstone (discarded, without a body) keeps its messageId, so the Ingestion log shows it
/// never reached Pendo.
/// </summary>
internal static class OutboxErasure
{
    public static async Task RemoveAsync(PortalDbContext db, Guid applicationId, IReadOnlyCollection<string> messageIds, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        if (messageIds.Count == 0) return;
        var erased = messageIds.ToHashSet(StringComparer.Ordinal);
        var live = await db.ForwardingOutbox.AsNoTracking().Where(m => m.ApplicationId == applicationId && m.Body != null)
            .Select(m => new { m.Id, m.MessageIds }).ToListAsync(cancellationToken);
        var hit = live.Where(m => OutboxBody.ParseIds(m.MessageIds).Any(erased.Contains)).Select(m => m.Id).ToList();
        if (hit.Count == 0) return;
        foreach (var entry in await db.ForwardingOutbox.Where(m => hit.Contains(m.Id)).ToListAsync(cancellationToken))
        {
            var ids = OutboxBody.ParseIds(entry.MessageIds);
            List<ReadOnlyMemory<byte>> messages;
            try { messages = OutboxBody.Split(OutboxBody.Unpack(entry.Body!)); }
            catch (System.Text.Json.JsonException) { messages = []; }
            var keep = Enumerable.Range(0, ids.Length).Where(i => !erased.Contains(ids[i])).ToList();
            if (keep.Count == 0 || messages.Count != ids.Length)
            {
                entry.State = OutboxState.Discarded;
                entry.Body = null;
                entry.DueAt = now;
                continue;
            }
            var gone = Enumerable.Range(0, ids.Length).Where(i => erased.Contains(ids[i])).Select(i => ids[i]).ToList();
            entry.MessageIds = OutboxBody.Ids(keep.Select(i => ids[i]));
            entry.Count = keep.Count;
            entry.Body = OutboxBody.Join(keep.ConvertAll(i => messages[i]));
            db.ForwardingOutbox.Add(new OutboxEntry
            {
                ApplicationId = applicationId, MessageIds = OutboxBody.Ids(gone), Count = gone.Count, State = OutboxState.Discarded,
                EnqueuedAt = entry.EnqueuedAt, DueAt = now,
            });
        }
        await db.SaveChangesAsync(cancellationToken);
    }
}
