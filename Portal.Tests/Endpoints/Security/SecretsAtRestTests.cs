using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Tests.Endpoints.Ingestion;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Endpoints.Security;

/// <summary>What an attacker with a copy of Portal's files (or a backup) can read: with a certificate, not the key ring; without being Portal's user, nothing.</summary>
public sealed class SecretsAtRestTests : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyFolder = OwnerOnly | UnixFileMode.UserExecute;
    private const string PfxPassword = "pfx-test-password";

    private readonly string _shared = Directory.CreateTempSubdirectory("portal-keyring-").FullName;

    private string KeysFolder => Path.Combine(_shared, "keys");

    private string WritePfx()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=Portal key ring test", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.DataEncipherment, critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var path = Path.Combine(_shared, "keyring.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, PfxPassword));
        return path;
    }

    private PortalAppFactory Factory(string? pfx = null, string? password = PfxPassword, string? thumbprint = null)
    {
        var factory = new PortalAppFactory();
        factory.Settings["KeyRing:Path"] = KeysFolder;
        if (pfx is not null)
        {
            factory.Settings["KeyRing:CertificatePath"] = pfx;
            factory.Settings["KeyRing:CertificatePassword"] = password;
        }
        if (thumbprint is not null) factory.Settings["KeyRing:CertificateThumbprint"] = thumbprint;
        return factory;
    }

    private static string Protect(PortalAppFactory factory, string secret) =>
        factory.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Protect(secret);

    private static string Unprotect(PortalAppFactory factory, string protectedText) =>
        factory.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Unprotect(protectedText);

    private string KeyRingXml() => string.Concat(Directory.GetFiles(KeysFolder, "*.xml").Select(File.ReadAllText));

    [Fact]
    public async Task WithAPfxCertificateTheKeyRingIsEncryptedAtRestAndReadsBackAfterARestart()
    {
        var pfx = WritePfx();
        string protectedText;
        await using (var first = Factory(pfx)) protectedText = Protect(first, "a stored API key");

        Assert.Contains("encryptedSecret", KeyRingXml());
        Assert.DoesNotContain("unencrypted form", KeyRingXml());
        await using (var restarted = Factory(pfx)) Assert.Equal("a stored API key", Unprotect(restarted, protectedText));
        // Without the certificate the copied key ring is useless.
        await using (var thief = Factory()) Assert.ThrowsAny<CryptographicException>(() => Unprotect(thief, protectedText));
    }

    [Fact]
    public async Task WithoutACertificateTheKeyRingIsStoredUnencrypted()
    {
        await using var app = Factory();

        Protect(app, "a stored API key");

        Assert.Contains("unencrypted form", KeyRingXml());
    }

    [Fact]
    public async Task ACertificateIsFoundByThumbprintInTheCurrentUsersStore()
    {
        using var certificate = X509CertificateLoader.LoadPkcs12FromFile(WritePfx(), PfxPassword, X509KeyStorageFlags.PersistKeySet | X509KeyStorageFlags.Exportable);
        using var store = new X509Store(StoreName.My, StoreLocation.CurrentUser);
        store.Open(OpenFlags.ReadWrite);
        store.Add(certificate);
        try
        {
            string protectedText;
            await using (var app = Factory(thumbprint: certificate.Thumbprint)) protectedText = Protect(app, "secret");

            Assert.Contains("encryptedSecret", KeyRingXml());
            await using (var restarted = Factory(thumbprint: certificate.Thumbprint)) Assert.Equal("secret", Unprotect(restarted, protectedText));
        }
        finally
        {
            store.Remove(certificate);
        }
    }

    [Fact]
    public async Task AnUnusableCertificateStopsStartUpWithTheReason()
    {
        await using var app = Factory(WritePfx(), password: "wrong");

        var error = Assert.Throws<OptionsValidationException>(() => app.EnsureStarted());

        Assert.Contains("cannot be opened", error.Message);
    }

    [Fact]
    public async Task TheDatabaseItsWalAndShmTheLogsAndTheirFoldersAreReadableByTheOwnerOnly()
    {
        if (OperatingSystem.IsWindows()) return; // File modes are a Unix notion; Windows deployments rely on folder ACLs.
        await using var app = await IngestionApp.StartAsync(f =>
        {
            f.Settings["Database:SqlitePath"] = Path.Combine(f.DataDirectory, "db", "portal.db");
            f.Settings["Serilog:WriteTo:1:Args:path"] = Path.Combine(f.DataDirectory, "logs", "portal-.log");
        });
        Assert.Equal(HttpStatusCode.OK, (await app.PostAsync("""{"type":"identify","userId":"u-1","traits":{"email":"a@example.com"}}""")).StatusCode);

        var database = Path.Combine(app.Factory.DataDirectory, "db", "portal.db");
        var logs = Path.Combine(app.Factory.DataDirectory, "logs");
        // The log folder is checked always; its files when the host has written one (under the test host it may not have yet).

        foreach (var file in new[] { database, database + "-wal", database + "-shm" }.Concat(Directory.GetFiles(logs)))
            Assert.True(File.GetUnixFileMode(file) == OwnerOnly, $"{Path.GetFileName(file)} is {File.GetUnixFileMode(file)}");
        foreach (var folder in new[] { Path.GetDirectoryName(database)!, logs, Path.Combine(app.Factory.DataDirectory, "keys") })
            Assert.True(File.GetUnixFileMode(folder) == OwnerOnlyFolder, $"{folder} is {File.GetUnixFileMode(folder)}");
    }

    public void Dispose()
    {
        try { Directory.Delete(_shared, recursive: true); } catch (IOException) { }
    }
}
