using System.Buffers;
using System.IO.Compression;
using Microsoft.AspNetCore.Http.Features;

namespace Portal.Ingestion;

internal enum BodyReadStatus
{
    Ok,
    TooLarge,
    BadEncoding,
    UnsupportedEncoding,

    /// <summary>Kestrel refused the framing: bad chunk sizes or suffixes, or a body that ended before its Content-Length.</summary>
    BadFraming,

    /// <summary>The body did not arrive within the deadline or came slower than Kestrel's minimum data rate.</summary>
    TimedOut,

    /// <summary>The client went away; nobody is left to answer.</summary>
    ClientGone,
}

/// <summary>A request body in a pooled buffer; return it with Dispose once the writer has finished with it.</summary>
internal sealed class PooledBody(byte[] buffer, int length) : IDisposable
{
    private byte[]? _buffer = buffer;

    public ReadOnlyMemory<byte> Memory => _buffer is null ? ReadOnlyMemory<byte>.Empty : _buffer.AsMemory(0, length);

    public void Dispose()
    {
        if (_buffer is { } b) ArrayPool<byte>.Shared.Return(b);
        _buffer = null;
    }
}

/// <summary>
/// Reads an ingestion body once, gzip-decoded when Content-Encoding says so, refusing it as soon as
/// the decoded bytes pass the limit (so a small gzip bomb cannot expand in memory).
/// </summary>
internal static class RequestBodyReader
{
    public static async Task<(BodyReadStatus Status, PooledBody? Body)> ReadAsync(HttpContext context, int limit, TimeSpan timeout, TimeProvider time)
    {
        var request = context.Request;
        var encoding = request.Headers.ContentEncoding.ToString().Trim();
        var gzip = encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase);
        if (!gzip && encoding.Length > 0 && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
            return (BodyReadStatus.UnsupportedEncoding, null);
        if (!gzip && request.ContentLength > limit) return (BodyReadStatus.TooLarge, null);

        // Kestrel's own cap backs ours up; a gzip body may be a little larger than what it decodes to.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = gzip ? limit + limit / 8 + 1024 : limit;

        var initial = !gzip && request.ContentLength is { } known ? (int)known + 1 : 16 * 1024;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(initial, limit + 1));
        var length = 0;
        Stream? decoder = null;
        using var deadline = new CancellationTokenSource(timeout, time);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, context.RequestAborted);
        try
        {
            var source = request.Body;
            if (gzip) source = decoder = new GZipStream(request.Body, CompressionMode.Decompress, leaveOpen: true);
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > limit) break;
                    var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, limit + 1));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                var read = await source.ReadAsync(buffer.AsMemory(length), cancel.Token);
                if (read == 0) break;
                length += read;
                if (length > limit) break;
            }
        }
        catch (InvalidDataException)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return (BodyReadStatus.BadEncoding, null);
        }
        catch (BadHttpRequestException ex)
        {
            // Kestrel's verdicts on the client's bytes: too large, too slow (its minimum data rate) or badly framed.
            ArrayPool<byte>.Shared.Return(buffer);
            return (ex.StatusCode switch
            {
                StatusCodes.Status413PayloadTooLarge => BodyReadStatus.TooLarge,
                StatusCodes.Status408RequestTimeout => BodyReadStatus.TimedOut,
                _ => BodyReadStatus.BadFraming,
            }, null);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return (BodyReadStatus.TimedOut, null);
        }
        catch (Exception ex) when (context.RequestAborted.IsCancellationRequested || ex is IOException)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return (BodyReadStatus.ClientGone, null);
        }
        finally
        {
            if (decoder is not null) await decoder.DisposeAsync();
        }

        if (length > limit)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return (BodyReadStatus.TooLarge, null);
        }
        return (BodyReadStatus.Ok, new PooledBody(buffer, length));
    }
}
