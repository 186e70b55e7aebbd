using System.Net;

namespace Portal.Security.SignIn;

/// <summary>The unit a client is counted by: its IPv4 address, or its IPv6 /64 (one subscriber usually holds a whole /64).</summary>
public static class ClientAddress
{
    public static string Bucket(IPAddress? address)
    {
        if (address is null) return "unknown";
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6) return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    public static string Bucket(HttpContext context) => Bucket(context.Connection.RemoteIpAddress);
}
