using KafkaGateway.Tls;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Kafka;

/// <summary>Registers the Kafka TLS material.</summary>
public static class KafkaTlsServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="KafkaTlsOptions"/> from <c>Kafka:Tls</c>, loads and checks the material when the host starts
    /// (a bad setting fails the start with a message naming the key), and registers the resulting
    /// <see cref="KafkaTlsMaterial"/> as a singleton for the code that builds Kafka client configurations.
    /// </summary>
    public static IServiceCollection AddKafkaTls(this IServiceCollection services)
    {
        services.AddOptions<KafkaTlsOptions>().BindConfiguration(KafkaTlsOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KafkaTlsOptions>, KafkaTlsOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp =>
        {
            var material = KafkaTlsMaterialLoader.Load(
                sp.GetRequiredService<IOptions<KafkaTlsOptions>>().Value,
                sp.GetRequiredService<TimeProvider>());
            var logger = sp.GetRequiredService<ILogger<KafkaTlsMaterial>>();
            if (material.IsEnabled)
            {
                KafkaTlsLog.TlsEnabled(logger, material.CaCertificateCount, material.Certificate?.Subject ?? "(none)", material.NotAfter, material.EnableHostnameVerification);
                if (material.ExpiresSoon)
                    KafkaTlsLog.ClientCertificateExpiresSoon(logger, material.Certificate!.Subject, material.NotAfter!.Value, material.DaysUntilExpiry!.Value);
            }

            return material;
        });
        services.TryAddSingleton<KafkaTlsMaterialProvider>();
        return services;
    }
}

/// <summary>
/// Start-up validation: loads the material once so that a missing file, wrong password or expired certificate stops
/// the host before any Kafka client is created.
/// </summary>
internal sealed class KafkaTlsOptionsValidator(TimeProvider time) : IValidateOptions<KafkaTlsOptions>
{
    public ValidateOptionsResult Validate(string? name, KafkaTlsOptions options)
    {
        if (!options.IsTlsEnabled)
        {
            // Without material and Enabled the loader reads nothing; these settings would be silently ignored (a
            // password from a secret with a missing location means plaintext to Kafka without a word).
            (string Key, string? Value)[] settings =
            [
                (nameof(options.KeyPassword), options.KeyPassword), (nameof(options.KeyStorePassword), options.KeyStorePassword),
                (nameof(options.KeyStoreType), options.KeyStoreType), (nameof(options.TrustStorePassword), options.TrustStorePassword),
            ];
            var orphans = settings
                .Where(setting => !string.IsNullOrEmpty(setting.Value))
                .Select(setting => $"{KafkaTlsOptions.SectionName}:{setting.Key} is set, but TLS to Kafka is off: no certificate, key or store " +
                    $"location is configured and {KafkaTlsOptions.SectionName}:Enabled is false. Set the material it belongs to, or remove it.")
                .ToList();
            if (options.ExpiryWarningDays < 0)
            {
                orphans.Add($"{KafkaTlsOptions.SectionName}:ExpiryWarningDays must not be negative (was {options.ExpiryWarningDays}).");
            }

            return orphans.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(orphans);
        }

        try
        {
            using var material = KafkaTlsMaterialLoader.Load(options, time);
            return ValidateOptionsResult.Success;
        }
        catch (TlsConfigurationException ex)
        {
            return ValidateOptionsResult.Fail(ex.Message);
        }
    }
}
