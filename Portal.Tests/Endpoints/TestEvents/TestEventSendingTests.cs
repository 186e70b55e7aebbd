using Microsoft.EntityFrameworkCore;
using Portal.Core.Applications;
using Portal.Core.Audit;
using Portal.Core.Data;
using Portal.Core.TestEvents;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Endpoints.TestEvents;

/// <summary>The test-event runner against a real Portal on Kestrel: where "This Portal" is, signing, and the audit trail.</summary>
public sealed class TestEventSendingTests : IAsyncLifetime
{
    private const string Track = """{"type":"track","messageId":"test-1","event":"Order Completed","userId":"u-1","properties":{"total":12.5}}""";

    private readonly PortalAppFactory _portal = new();
    private string _baseUrl = "";
    private ApplicationSummary _app = default!;
    private IssuedApiKey _key = default!;

    public async Task InitializeAsync()
    {
        _baseUrl = _portal.StartKestrel();
        var created = (await _portal.Admin<ApplicationService>().CreateAsync("Web shop")).Value!;
        _key = (await _portal.Admin<ApiKeyService>().GenerateAsync(created.Id)).Value!;
        _app = (await _portal.Admin<ApplicationService>().GetAsync(created.Id))!;
    }

    [Fact]
    public async Task ThisPortalIsTheAddressTheServerListensOn()
    {
        var outcome = await _portal.Admin<TestEventRunner>().SendAsync(new TestEventRequest(_key.KeyId, TestEventTarget.ThisPortal, Track, 1));

        Assert.True(outcome.Succeeded, outcome.Error ?? outcome.Last?.NetworkError);
        Assert.StartsWith(_baseUrl + "/data/segmentio/", outcome.MaskedUrl);
        Assert.Equal(1, outcome.Count("accepted"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public async Task AnApplicationWithASigningSecretAcceptsItsOwnTestEvents(int copies)
    {
        Assert.True((await _portal.Admin<ApplicationService>().SetSigningSecretAsync(_app.Id, "segment-shared-secret")).Succeeded);

        var outcome = await _portal.Admin<TestEventRunner>().SendAsync(new TestEventRequest(_key.KeyId, TestEventTarget.ThisPortal, Track, copies));

        Assert.All(outcome.Results, r => Assert.Equal(200, r.StatusCode));
        Assert.Equal(copies, outcome.Count("accepted"));
    }

    [Fact]
    public async Task EverySendToEveryTargetIsAuditedWithWhoTheAppKeyHintTargetAndStatus()
    {
        var runner = _portal.Admin<TestEventRunner>();

        await runner.SendAsync(new TestEventRequest(_key.KeyId, TestEventTarget.ThisPortal, Track, 1));
        // Port 9 (discard) has no listener here: the send fails, and is audited all the same.
        await runner.SendAsync(new TestEventRequest(_key.KeyId, TestEventTarget.Custom("http://127.0.0.1:9"), Track, 1));

        await using var db = await _portal.Admin<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var entries = await db.AuditEntries.Where(e => e.Action == AuditActions.KeyTestSent).OrderBy(e => e.Id).ToListAsync();
        Assert.Equal(2, entries.Count);
        Assert.All(entries, e => Assert.Equal(PortalAppFactory.AdminEmail, e.User));
        Assert.All(entries, e => Assert.Equal($"Web shop …{_key.Hint}", e.Target));
        Assert.Equal("to This Portal: 200", entries[0].Details);
        Assert.Equal("to Custom URL http://127.0.0.1:9: no answer", entries[1].Details);
        Assert.All(entries, e => Assert.DoesNotContain(_key.Key, e.Details));
    }

    public Task DisposeAsync()
    {
        _portal.Dispose();
        return Task.CompletedTask;
    }
}
