using Portal.Core.Audit;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Core.Audit;

public class AuditSearchTests : CoreTestBase
{
    [Fact]
    public async Task SearchFiltersByActionAndUserAndPagesNewestFirst()
    {
        var log = Get<AuditLog>();
        for (var i = 0; i < 5; i++)
        {
            await log.RecordAsync("ann", AuditActions.KeyGenerated, $"Shop …000{i}");
            Time.Advance(TimeSpan.FromMinutes(1));
        }
        await log.RecordAsync("bob", AuditActions.KeyGenerated, "Blog …1111");
        await log.RecordAsync("ann", AuditActions.AppCreated, "Shop");
        var search = Get<AuditSearch>();

        var page = await search.SearchAsync(AuditActions.KeyGenerated, "ann", skip: 1, take: 2);

        Assert.Equal(5, page.TotalCount);
        Assert.Equal(["Shop …0003", "Shop …0002"], page.Entries.Select(e => e.Target));
        Assert.Equal(7, (await search.SearchAsync(null, null, 0, 50)).TotalCount);
        Assert.Equal(["ann", "bob"], await search.UsersAsync());
    }
}

/// <summary>The same suite on PostgreSQL.</summary>
public sealed class AuditSearchTestsOnPostgres : AuditSearchTests
{
    protected override TestEngine Engine => TestEngine.Postgres;
}
