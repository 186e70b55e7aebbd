using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.Extensions.DependencyInjection;

namespace Portal.Core.Data.Postgres;

/// <summary>
/// Lets <c>dotnet ef migrations add … --context PostgresPortalDbContext</c> build the model without a server
/// (adding a migration never connects).
/// </summary>
internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresPortalDbContext>
{
    public PostgresPortalDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresPortalDbContext>().UseNpgsql("Host=localhost;Database=portal")
            .UseApplicationServiceProvider(ModelServices()).Options);

    /// <summary>
    /// What shapes the model besides the context: Identity reads its store options (schema version 3: passkeys)
    /// from the application's services, so a context built without them has a different model.
    /// </summary>
    internal static IServiceProvider ModelServices()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPortalIdentityCore();
        return services.BuildServiceProvider();
    }
}
