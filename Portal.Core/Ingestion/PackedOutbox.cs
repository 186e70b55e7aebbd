namespace Portal.Core.Ingestion;

/// <summary>
/// A request's leading messages already cut into full outbox entries and compressed, on the request thread. Compressing
/// was the part of forwarding's work on the single writer that need not be there (100-message batches: ~1.1 ms of an
/// ~18 ms commit), while request threads run side by side; the writer only copies these rows. The request's other
/// messages (a tail shorter than an entry) are grouped with the rest of the commit by the writer, so entries stay full.
/// Used only when every message of the request is stored now: a duplicate among them sends the writer back to packing.
/// </summary>
internal sealed class PackedOutbox
{
    private PackedOutbox(int messages, List<PlannedOutboxEntry> entries)
    {
        Messages = messages;
        Entries = entries;
    }

    /// <summary>How many of the request's messages, from the first, <see cref="Entries"/> hold.</summary>
    public int Messages { get; }

    public IReadOnlyList<PlannedOutboxEntry> Entries { get; }

    /// <summary>The full entries of <paramref name="messages"/>, or null when they do not fill one.</summary>
    public static PackedOutbox? Of(Guid applicationId, IReadOnlyList<IngestMessage> messages, int entryMessages)
    {
        if (messages.Count < entryMessages) return null;
        var entries = new List<PlannedOutboxEntry>();
        var json = new List<ReadOnlyMemory<byte>>(entryMessages);
        var ids = new List<string>(entryMessages);
        var packed = 0;
        while (messages.Count - packed >= entryMessages)
        {
            var bytes = 0;
            for (var i = packed; i < packed + entryMessages; i++) bytes += messages[i].RawJson.Length;
            // An entry that would pass the byte limit is the writer's to split.
            if (bytes > IngestionBatchPlan.MaxOutboxEntryBytes) break;
            json.Clear();
            ids.Clear();
            for (var i = packed; i < packed + entryMessages; i++)
            {
                json.Add(messages[i].RawJson);
                ids.Add(messages[i].MessageId);
            }
            entries.Add(PlannedOutboxEntry.Pack(applicationId, ids, json));
            packed += entryMessages;
        }
        return packed == 0 ? null : new PackedOutbox(packed, entries);
    }
}
