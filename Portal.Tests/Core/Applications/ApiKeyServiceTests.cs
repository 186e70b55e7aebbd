using Portal.Core.Security;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Applications;
using Portal.Core.Audit;
using Portal.Core.Data;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Core.Applications;

public class ApiKeyServiceTests : CoreTestBase
{
    private Guid appId;

    private ApiKeyService keys => Get<ApiKeyService>();
    private ApiKeyResolver resolver => Get<ApiKeyResolver>();

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        appId = (await Get<ApplicationService>().CreateAsync("Shop")).Value!.Id;
    }

    [Fact]
    public async Task AGeneratedKeyResolvesToItsApplicationThroughItsHash()
    {
        var issued = (await keys.GenerateAsync(appId, "prod")).Value!;

        var resolved = await resolver.ResolveAsync(issued.Key);

        Assert.NotNull(resolved);
        Assert.Equal(appId, resolved.ApplicationId);
        Assert.Equal(issued.KeyId, resolved.KeyId);
        Assert.Equal(issued.Key[^4..], resolved.Hint);
        Assert.Null(await resolver.ResolveAsync(ApiKeyFormat.Generate()));
    }

    [Fact]
    public async Task TheStoredKeyRowHoldsTheSha256HashAndAnEncryptedValueOnly()
    {
        var issued = (await keys.GenerateAsync(appId)).Value!;

        await using var db = await Host.Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var row = await db.ApiKeys.SingleAsync(k => k.Id == issued.KeyId);
        Assert.Equal(ApiKeyFormat.Hash(issued.Key), row.Hash);
        Assert.Equal(issued.Key[^4..], row.Hint);
        Assert.DoesNotContain(issued.Key, row.ProtectedValue);
        Assert.Equal(issued.Key, Host.Get<ApiKeyProtector>().UnprotectKey(row.ProtectedValue));
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("0123456789abcdef0123456789abcdef")]
    [InlineData("01234567-89ab-cdef-0123-456789abcdez")]
    [InlineData("https://data.pendo.io/data/segmentio/01234567-89ab-cdef-0123-456789abcdef")]
    public async Task ImportRefusesAnythingNotShapedLikeAPendoKey(string presented)
    {
        var result = await keys.ImportAsync(appId, presented);

        Assert.False(result.Succeeded);
        Assert.Contains("not a Pendo API key", result.Error);
        Assert.Empty(await keys.ListAsync(appId));
    }

    [Fact]
    public async Task ImportTakesAPendoKeyInAnyCaseAndResolvesItLowerCased()
    {
        var result = await keys.ImportAsync(appId, "  0123ABCD-89AB-CDEF-0123-456789ABCDEF ", "from Pendo");

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("0123abcd-89ab-cdef-0123-456789abcdef", result.Value!.Key);
        var listed = Assert.Single(await keys.ListAsync(appId));
        Assert.Equal(ApiKeyOrigin.Imported, listed.Origin);
        Assert.Equal("from Pendo", listed.Label);
        Assert.Equal(appId, (await resolver.ResolveAsync("0123abcd-89ab-cdef-0123-456789abcdef"))?.ApplicationId);
    }

    [Fact]
    public async Task ImportRefusesAKeyPortalAlreadyHoldsEvenInAnotherApplication()
    {
        var other = (await Host.Get<ApplicationService>().CreateAsync("Other")).Value!.Id;
        var generated = (await keys.GenerateAsync(other)).Value!;
        Assert.True((await keys.ImportAsync(appId, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee")).Succeeded);

        var again = await keys.ImportAsync(appId, "AAAAAAAA-bbbb-cccc-dddd-eeeeeeeeeeee");
        var stolen = await keys.ImportAsync(appId, generated.Key);

        Assert.False(again.Succeeded);
        Assert.Contains("already known", again.Error);
        Assert.False(stolen.Succeeded);
        Assert.Contains("'Other'", stolen.Error);
        Assert.Single(await keys.ListAsync(appId));
    }

    [Fact]
    public async Task ARotatedKeyKeepsWorkingThroughTheGracePeriodAndThenExpires()
    {
        var old = (await keys.GenerateAsync(appId, "prod")).Value!;
        var rotatedAt = Host.Time.GetUtcNow();

        var replacement = (await keys.RotateAsync(old.KeyId)).Value!;

        Assert.NotEqual(old.Key, replacement.Key);
        Assert.NotNull(await resolver.ResolveAsync(old.Key));
        Assert.NotNull(await resolver.ResolveAsync(replacement.Key));
        var oldSummary = (await keys.GetAsync(old.KeyId))!;
        Assert.Equal(rotatedAt.AddDays(7), oldSummary.ExpiresAt);
        Assert.Equal(replacement.KeyId, oldSummary.ReplacedByKeyId);
        Assert.Equal(ApiKeyStatus.Expiring, oldSummary.Status);
        Assert.Equal("prod", (await keys.GetAsync(replacement.KeyId))!.Label);

        Host.Time.Advance(TimeSpan.FromDays(7) - TimeSpan.FromSeconds(1));
        Assert.NotNull(await resolver.ResolveAsync(old.Key));

        Host.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await resolver.ResolveAsync(old.Key));
        Assert.NotNull(await resolver.ResolveAsync(replacement.Key));
        Assert.Equal(ApiKeyStatus.Expired, (await keys.GetAsync(old.KeyId))!.Status);
    }

    [Fact]
    public async Task TheGracePeriodComesFromConfiguration()
    {
        await using var configured = await CoreHost.StartAsync(new Dictionary<string, string?> { ["ApiKeys:RotationGraceDays"] = "2" }, engine: Engine);
        var app = (await configured.Get<ApplicationService>().CreateAsync("App")).Value!.Id;
        var service = configured.Get<ApiKeyService>();
        var old = (await service.GenerateAsync(app)).Value!;

        await service.RotateAsync(old.KeyId);

        Assert.Equal(configured.Time.GetUtcNow().AddDays(2), (await service.GetAsync(old.KeyId))!.ExpiresAt);
    }

    [Fact]
    public async Task AKeyCanBeRotatedOnlyOnce()
    {
        var old = (await keys.GenerateAsync(appId)).Value!;
        Assert.True((await keys.RotateAsync(old.KeyId)).Succeeded);

        var second = await keys.RotateAsync(old.KeyId);

        Assert.False(second.Succeeded);
        Assert.Equal(2, (await keys.ListAsync(appId)).Count);
    }

    [Fact]
    public async Task ARevokedKeyStopsResolvingAtOnceEvenDuringItsGracePeriod()
    {
        var old = (await keys.GenerateAsync(appId)).Value!;
        await resolver.ResolveAsync(old.Key); // warm the cache: revocation must not wait for its TTL
        await keys.RotateAsync(old.KeyId);

        var result = await keys.RevokeAsync(old.KeyId);

        Assert.True(result.Succeeded);
        Assert.Null(await resolver.ResolveAsync(old.Key));
        var summary = (await keys.GetAsync(old.KeyId))!;
        Assert.Equal(Host.Time.GetUtcNow(), summary.RevokedAt);
        Assert.Equal(ApiKeyStatus.Revoked, summary.Status);
        Assert.False((await keys.RevokeAsync(old.KeyId)).Succeeded);
    }

    [Fact]
    public async Task ArchivingAnApplicationStopsItsKeysAndRestoringBringsThemBack()
    {
        var apps = Host.Get<ApplicationService>();
        var issued = (await keys.GenerateAsync(appId)).Value!;
        Assert.NotNull(await resolver.ResolveAsync(issued.Key));

        await apps.ArchiveAsync(appId);
        Assert.Null(await resolver.ResolveAsync(issued.Key));
        Assert.False((await keys.GenerateAsync(appId)).Succeeded);

        await apps.RestoreAsync(appId);
        Assert.NotNull(await resolver.ResolveAsync(issued.Key));
    }

    [Fact]
    public async Task AViewerCannotRevealAKeyAndNothingIsAudited()
    {
        var issued = (await keys.GenerateAsync(appId)).Value!;

        var result = await GetAs<ApiKeyService>(CoreHost.Viewer("viewer@example.com")).RevealAsync(issued.KeyId);

        Assert.False(result.Succeeded);
        Assert.Null(result.Value);
        Assert.DoesNotContain(await AuditAsync(), e => e.Action == AuditActions.KeyRevealed);
    }

    [Fact]
    public async Task AnAdminRevealsTheKeyAndTheRevealIsAuditedByHint()
    {
        var issued = (await keys.GenerateAsync(appId)).Value!;

        var result = await GetAs<ApiKeyService>(new Actor("boss", "boss@example.com", IsAdmin: true)).RevealAsync(issued.KeyId);

        Assert.Equal(issued.Key, result.Value);
        var entry = Assert.Single(await AuditAsync(), e => e.Action == AuditActions.KeyRevealed);
        Assert.Equal("boss@example.com", entry.User);
        Assert.Equal($"Shop …{issued.Hint}", entry.Target);
    }

    [Fact]
    public async Task LabellingAKeyIsAudited()
    {
        var issued = (await keys.GenerateAsync(appId)).Value!;

        await keys.LabelAsync(issued.KeyId, "  staging ");

        Assert.Equal("staging", (await keys.GetAsync(issued.KeyId))!.Label);
        Assert.Contains(await AuditAsync(), e => e.Action == AuditActions.KeyLabelled && e.Details == "staging");
    }

    [Fact]
    public async Task AuditEntriesNeverContainAKeyValue()
    {
        var generated = (await keys.GenerateAsync(appId, "one")).Value!;
        var imported = (await keys.ImportAsync(appId, "12345678-aaaa-bbbb-cccc-1234567890ab", "two")).Value!;
        var rotated = (await keys.RotateAsync(generated.KeyId)).Value!;
        await keys.LabelAsync(rotated.KeyId, "three");
        await keys.RevealAsync(imported.KeyId);
        await keys.RevokeAsync(imported.KeyId);

        var entries = await AuditAsync();

        Assert.Equal(6, entries.Count(e => e.Action.StartsWith("key.", StringComparison.Ordinal)));
        foreach (var key in new[] { generated.Key, imported.Key, rotated.Key })
        {
            Assert.All(entries, e => Assert.DoesNotContain(key[..8], $"{e.Target} {e.Details}"));
        }
    }

    [Fact]
    public async Task TheKeyListIsMaskedAndShowsEachKeysStatus()
    {
        var a = (await keys.GenerateAsync(appId, "a")).Value!;
        Host.Time.Advance(TimeSpan.FromMinutes(1));
        var b = (await keys.GenerateAsync(appId, "b")).Value!;
        await keys.RevokeAsync(a.KeyId);

        var list = await keys.ListAsync(appId);

        Assert.Equal(["b", "a"], list.Select(k => k.Label));
        Assert.Equal([ApiKeyStatus.Active, ApiKeyStatus.Revoked], list.Select(k => k.Status));
        Assert.Equal(ApiKeyFormat.Mask(b.Hint), list[0].Masked);
        Assert.DoesNotContain(b.Key[..8], list[0].Masked);
    }

    [Fact]
    public async Task TheDatabaseFilesHoldNoKeyInPlainText()
    {
        var issued = new List<string>();
        for (var i = 0; i < 5; i++) issued.Add((await keys.GenerateAsync(appId, $"key {i}")).Value!.Key);
        issued.Add((await keys.ImportAsync(appId, "fedcba98-7654-3210-fedc-ba9876543210")).Value!.Key);
        await keys.RevealAsync((await keys.ListAsync(appId))[0].Id);

        var bytes = DatabaseBytes();

        // The files are read at all: the application's name is there in plain text.
        Assert.True(Contains(bytes, Encoding.UTF8.GetBytes("Shop")));
        foreach (var key in issued)
        {
            Assert.False(Contains(bytes, Encoding.UTF8.GetBytes(key)), $"…{key[^4..]} in UTF-8");
            Assert.False(Contains(bytes, Encoding.Unicode.GetBytes(key)), $"…{key[^4..]} in UTF-16");
            Assert.False(Contains(bytes, Encoding.UTF8.GetBytes(key.ToUpperInvariant())), $"…{key[^4..]} upper-cased");
        }
    }

    private byte[] DatabaseBytes()
    {
        if (Host.Engine == TestEngine.Postgres) return PostgresText();
        using var all = new MemoryStream();
        foreach (var path in new[] { Host.DatabasePath, Host.DatabasePath + "-wal" }.Where(File.Exists))
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            file.CopyTo(all);
        }
        return all.ToArray();
    }

    /// <summary>Every row of every table as text: what a dump of the database would hold.</summary>
    private byte[] PostgresText()
    {
        using var db = Host.Get<IDbContextFactory<PortalDbContext>>().CreateDbContext();
        var tables = db.Database.SqlQueryRaw<string>("SELECT table_name AS \"Value\" FROM information_schema.tables WHERE table_schema = 'public'").ToList();
        var text = new StringBuilder();
        foreach (var table in tables)
        {
            // Table names come from the catalogue, not from input.
            var sql = "SELECT t::text AS \"Value\" FROM \"" + table + "\" t";
            text.AppendJoin('\n', db.Database.SqlQueryRaw<string>(sql).ToList());
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    private async Task<List<AuditEntry>> AuditAsync()
    {
        await using var db = await Host.Get<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        return await db.AuditEntries.AsNoTracking().ToListAsync();
    }
}

/// <summary>The same suite on PostgreSQL.</summary>
public sealed class ApiKeyServiceTestsOnPostgres : ApiKeyServiceTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
