using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Portal.Core.Data.Sqlite;

namespace Portal.Core.Data;

public static class DataServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="PortalDbContext"/> (scoped) and <see cref="IDbContextFactory{PortalDbContext}"/>
    /// for the configured provider. The one place that knows which provider is in use.
    /// </summary>
    public static IServiceCollection AddPortalData(this IServiceCollection services)
    {
        services.AddOptions<DatabaseOptions>()
            .BindConfiguration(DatabaseOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddDbContextFactory<SqlitePortalDbContext>((sp, options) =>
        {
            var db = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            switch (db.Provider)
            {
                case DatabaseProvider.Sqlite:
                    var env = sp.GetRequiredService<IHostEnvironment>();
                    options.UseSqlite(SqliteConnectionString(db, env.ContentRootPath))
                        .AddInterceptors(new SqlitePragmaInterceptor(db.SqliteSynchronous));
                    break;
                default:
                    throw new NotSupportedException($"Database provider '{db.Provider}' is not available in this build.");
            }
        });
        services.AddSingleton<IDbContextFactory<PortalDbContext>, ProviderContextFactory<SqlitePortalDbContext>>();
        services.AddScoped<PortalDbContext>(sp => sp.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContext());
        services.AddSingleton<DatabaseInitializer>();
        services.AddSingleton<DatabaseBackup>();
        return services;
    }

    public static string SqliteConnectionString(DatabaseOptions db, string contentRoot)
    {
        if (!string.IsNullOrWhiteSpace(db.ConnectionString)) return db.ConnectionString;
        var path = Path.GetFullPath(db.SqlitePath, contentRoot);
        return new SqliteConnectionStringBuilder { DataSource = path, Pooling = true }.ToString();
    }

    /// <summary>Hands out the provider's derived context as the base type call sites use.</summary>
    private sealed class ProviderContextFactory<TContext>(IDbContextFactory<TContext> inner) : IDbContextFactory<PortalDbContext>
        where TContext : PortalDbContext
    {
        public PortalDbContext CreateDbContext() => inner.CreateDbContext();
    }
}
