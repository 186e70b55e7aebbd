using System.Buffers;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

/// <summary>One client connection: requests one after another, each answered before the next is read.</summary>
sealed class SinkConnection(Socket socket, MessageCounter counter)
{
    private static readonly byte[] Ok = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"u8.ToArray();
    private static readonly byte[] LengthRequired = "HTTP/1.1 411 Length Required\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray();

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
    private int _filled;

    public async Task ServeAsync()
    {
        try
        {
            while (true)
            {
                int headEnd;
                while ((headEnd = _buffer.AsSpan(0, _filled).IndexOf("\r\n\r\n"u8)) < 0)
                    if (_filled == _buffer.Length || !await ReceiveAsync()) return;
                var (post, length) = Head(_buffer.AsSpan(0, headEnd));
                if (length < 0)
                {
                    await socket.SendAsync(LengthRequired, SocketFlags.None);
                    return;
                }
                var end = headEnd + 4 + length;
                Reserve(end);
                while (_filled < end)
                    if (!await ReceiveAsync()) return;
                if (post) counter.Add(_buffer.AsSpan(headEnd + 4, length));
                await socket.SendAsync(post ? Ok : Count(counter.Received), SocketFlags.None);
                // Whatever arrived after this request is the start of the next one.
                _buffer.AsSpan(end, _filled - end).CopyTo(_buffer);
                _filled -= end;
            }
        }
        catch (SocketException)
        {
            // The client went away: nothing to answer.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            socket.Dispose();
        }
    }

    private async Task<bool> ReceiveAsync()
    {
        var read = await socket.ReceiveAsync(_buffer.AsMemory(_filled), SocketFlags.None);
        _filled += read;
        return read > 0;
    }

    private void Reserve(int length)
    {
        if (length <= _buffer.Length) return;
        var larger = ArrayPool<byte>.Shared.Rent(length);
        _buffer.AsSpan(0, _filled).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }

    /// <summary>Whether the request is a POST, and its body's length (-1: a POST without Content-Length, such as a chunked one).</summary>
    private static (bool Post, int Length) Head(ReadOnlySpan<byte> head)
    {
        var post = head.StartsWith("POST "u8);
        var length = post ? -1 : 0;
        foreach (var range in head.Split("\r\n"u8))
        {
            var line = head[range];
            if (line.Length > 15 && Ascii.EqualsIgnoreCase(line[..15], "content-length:"u8))
                length = int.Parse(line[15..].Trim((byte)' '), CultureInfo.InvariantCulture);
        }
        return (post, length);
    }

    private static byte[] Count(long received)
    {
        var text = received.ToString(CultureInfo.InvariantCulture);
        return Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {text.Length}\r\n\r\n{text}");
    }
}
