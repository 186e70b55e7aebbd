using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
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
        services.AddSingleton<IValidateOptions<KeyRingOptions>, KeyRingCertificateValidation>();
        services.AddDataProtection().SetApplicationName("Portal");
        // The certificate, like the store, comes from options at run time, so tests and deployments choose by configuration alone.
        services.AddSingleton(sp => new KeyRingCertificateHolder(
            KeyRingCertificate.Load(sp.GetRequiredService<IOptions<KeyRingOptions>>().Value, sp.GetRequiredService<IHostEnvironment>().ContentRootPath)));
        services.AddOptions<KeyManagementOptions>()
            .Configure<IOptions<KeyRingOptions>, IHostEnvironment, IServiceProvider, ILoggerFactory>((kmo, ring, env, sp, loggers) =>
            {
                kmo.XmlRepository = ring.Value.Store switch
                {
                    KeyRingStore.Database => new EntityFrameworkCoreXmlRepository<PortalDbContext>(sp, loggers),
                    _ => new FileSystemXmlRepository(
                        OwnerOnlyFiles.CreateDirectory(System.IO.Path.GetFullPath(ring.Value.Path, env.ContentRootPath)), loggers),
                };
                // What ProtectKeysWithCertificate does: new master keys are encrypted to the certificate before they are stored.
                if (sp.GetRequiredService<KeyRingCertificateHolder>().Certificate is { } certificate)
                    kmo.XmlEncryptor = new CertificateXmlEncryptor(certificate, loggers);
            });
        // ...and reading them back uses this certificate's private key, not only what the OS certificate store holds.
        var decryption = DecryptionCertificateOptions(null);
        services.AddSingleton(decryption.ServiceType, sp =>
            DecryptionCertificateOptions(sp.GetRequiredService<KeyRingCertificateHolder>().Certificate).ImplementationInstance!);
        return services;
    }

    /// <summary>
    /// Data Protection's decryption-certificate options type is internal and <c>UnprotectKeysWithAnyCertificate</c>, its only
    /// door, wants the certificate when services are registered, before configuration is final. So the registration it
    /// makes is taken from a scratch collection: once at start for its service type, then with the loaded certificate.
    /// </summary>
    private static ServiceDescriptor DecryptionCertificateOptions(X509Certificate2? certificate)
    {
        var scratch = new ServiceCollection();
        var builder = scratch.AddDataProtection();
        var before = scratch.Count;
        builder.UnprotectKeysWithAnyCertificate(certificate is null ? [] : [certificate]);
        return scratch.Skip(before).Single(d => d.ServiceType.IsGenericType && d.ServiceType.GetGenericTypeDefinition() == typeof(IConfigureOptions<>));
    }

    private sealed record KeyRingCertificateHolder(X509Certificate2? Certificate);

    /// <summary>A configured but unusable certificate stops start-up with its reason, rather than silently storing keys unencrypted.</summary>
    private sealed class KeyRingCertificateValidation(IHostEnvironment environment) : IValidateOptions<KeyRingOptions>
    {
        public ValidateOptionsResult Validate(string? name, KeyRingOptions options)
        {
            try
            {
                using var certificate = KeyRingCertificate.Load(options, environment.ContentRootPath);
                return ValidateOptionsResult.Success;
            }
            catch (InvalidOperationException ex)
            {
                return ValidateOptionsResult.Fail(ex.Message);
            }
        }
    }
}
