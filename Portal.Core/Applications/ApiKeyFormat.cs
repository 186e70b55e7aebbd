using System.Security.Cryptography;
using System.Text;

namespace Portal.Core.Applications;

/// <summary>
/// Keys look like Pendo app keys (<c>xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx</c>, lower-case hex) so the
/// same webhook URL shapes work, and carry 128 bits from a CSPRNG.
/// </summary>
public static class ApiKeyFormat
{
    public const int Length = 36;

    public static string Generate()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        var hex = Convert.ToHexStringLower(bytes);
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }

    /// <summary>Accepts the Pendo shape in either case; <see cref="Normalize"/> gives the stored form.</summary>
    public static bool IsWellFormed(string? key)
    {
        if (key is null || key.Length != Length) return false;
        for (var i = 0; i < key.Length; i++)
        {
            var c = key[i];
            var dash = i is 8 or 13 or 18 or 23;
            if (dash ? c != '-' : !char.IsAsciiHexDigit(c)) return false;
        }
        return true;
    }

    public static string Normalize(string key) => key.Trim().ToLowerInvariant();

    /// <summary>SHA-256 of the key: what the database indexes and look-ups compare.</summary>
    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    public static string Hint(string key) => key.Length <= 4 ? key : key[^4..];

    /// <summary>How a key is shown to someone who may not see it.</summary>
    public static string Mask(string hint) => $"••••••••-••••-••••-••••-••••••••{hint}";
}
