// A local stand-in for Pendo's collector for bench/forward.sh: answers every POST 200 and counts the messages it received
// (occurrences of "messageId"); GET /count answers the count.
//
// Plain sockets and just the HTTP/1.1 the forwarder speaks (keep-alive, Content-Length bodies), not Kestrel: the sink stands
// for Pendo, which runs elsewhere, and on a two-core machine every microsecond it spends is taken from the Portal it
// measures. Kestrel took ~137 µs of CPU per 100-message request (wrk, 4 connections); this takes ~30–40 µs.
using System.Globalization;
using System.Net;
using System.Net.Sockets;

var port = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5298;
using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
listener.Listen(128);
var counter = new MessageCounter();
while (true)
{
    var socket = await listener.AcceptAsync();
    socket.NoDelay = true;
    _ = new SinkConnection(socket, counter).ServeAsync();
}
