using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Portal.Core.Data.Postgres;
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
            .Validate(o => o.Provider != DatabaseProvider.Postgres || !string.IsNullOrWhiteSpace(o.ConnectionString),
                "Database:ConnectionString is required when Database:Provider is Postgres.")
            .ValidateOnStart();

        // Pooled: every page render creates several short-lived contexts (the signed-in user, the app picker, the grid's
        // query), and building a context's internal services cost as much as a small query.
        services.AddPooledDbContextFactory<SqlitePortalDbContext>((sp, options) =>
        {
            var db = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            var env = sp.GetRequiredService<IHostEnvironment>();
            options.UseSqlite(SqliteConnectionString(db, env.ContentRootPath))
                .AddInterceptors(new SqlitePragmaInterceptor(db.SqliteSynchronous, db.SqliteMmapBytes));
        });
        services.AddSingleton<PortalInstance>();
        services.AddSingleton<PostgresDataSource>();
        services.AddPooledDbContextFactory<PostgresPortalDbContext>((sp, options) =>
            options.UseNpgsql(sp.GetRequiredService<PostgresDataSource>().DataSource));
        services.AddSingleton<IDbContextFactory<PortalDbContext>>(sp =>
            sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.Provider switch
            {
                DatabaseProvider.Sqlite => new ProviderContextFactory<SqlitePortalDbContext>(sp.GetRequiredService<IDbContextFactory<SqlitePortalDbContext>>()),
                DatabaseProvider.Postgres => new ProviderContextFactory<PostgresPortalDbContext>(sp.GetRequiredService<IDbContextFactory<PostgresPortalDbContext>>()),
                var other => throw new NotSupportedException($"Database provider '{other}' is not supported."),
            });
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
