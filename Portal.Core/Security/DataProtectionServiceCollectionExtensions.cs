using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Core.Data;

namespace Portal.Core.Security;

public static class DataProtectionServiceCollectionExtensions
{
    public static IServiceCollection AddPortalDataProtection(this IServiceCollection services)
    {
        services.AddOptions<KeyRingOptions>().BindConfiguration(KeyRingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddDataProtection().SetApplicationName("Portal");
        // Resolved from options at run time, so tests and deployments choose the store by configuration alone.
        services.AddOptions<KeyManagementOptions>()
            .Configure<IOptions<KeyRingOptions>, IHostEnvironment, IServiceProvider, ILoggerFactory>((kmo, ring, env, sp, loggers) =>
            {
                kmo.XmlRepository = ring.Value.Store switch
                {
                    KeyRingStore.Database => new EntityFrameworkCoreXmlRepository<PortalDbContext>(sp, loggers),
                    _ => new FileSystemXmlRepository(
                        Directory.CreateDirectory(System.IO.Path.GetFullPath(ring.Value.Path, env.ContentRootPath)), loggers),
                };
            });
        return services;
    }
}
