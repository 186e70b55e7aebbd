// The sink's one figure: messages received, across connections.
sealed class MessageCounter
{
    private long _received;

    public long Received => Interlocked.Read(ref _received);

    /// <summary>Counts the messages of a request body: a message is an object with a messageId, one or an array of them.</summary>
    public void Add(ReadOnlySpan<byte> body)
    {
        ReadOnlySpan<byte> needle = "\"messageId\""u8;
        long count = 0;
        for (var at = body.IndexOf(needle); at >= 0; at = body.IndexOf(needle))
        {
            count++;
            body = body[(at + needle.Length)..];
        }
        Interlocked.Add(ref _received, count);
    }
}
