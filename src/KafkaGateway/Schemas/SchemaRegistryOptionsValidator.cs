using KafkaGateway.Schemas.Compatibility;
using KafkaGateway.Security;
using KafkaGateway.Tls;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Schemas;

/// <summary>
/// Start-up validation of <see cref="SchemaRegistryOptions"/>, the one set of rules for the <c>SchemaRegistry</c>
/// section (the documented comma-separated failover list of <c>Url</c> included); every message names the key.
/// </summary>
internal sealed class SchemaRegistryOptionsValidator(TimeProvider time) : IValidateOptions<SchemaRegistryOptions>
{
    private const string Prefix = SchemaRegistryOptions.SectionName + ":";

    public ValidateOptionsResult Validate(string? name, SchemaRegistryOptions options)
    {
        var failures = new List<string>();
        ValidateUrls(options, failures);
        ValidateAuthentication(options, failures);
        ValidateTls(options, failures);

        Range(failures, nameof(options.RequestTimeoutSeconds), options.RequestTimeoutSeconds, 1, 300);
        Range(failures, nameof(options.MaxRetries), options.MaxRetries, 0, 10);
        Range(failures, nameof(options.RetryBackoffMilliseconds), options.RetryBackoffMilliseconds, 1, 60_000);
        Range(failures, nameof(options.LatestCacheTtlSeconds), options.LatestCacheTtlSeconds, 0, 86_400);
        Range(failures, nameof(options.MaxCachedSchemas), options.MaxCachedSchemas, 1, 1_000_000);
        Range(failures, nameof(options.MaxSchemaLength), options.MaxSchemaLength, 1024, 16 * 1024 * 1024);
        Range(failures, nameof(options.ForwardTimeoutSeconds), options.ForwardTimeoutSeconds, 1, 300);

        if (Kafka.TopicNameRules.Violation(options.Topic) is { } violation)
        {
            failures.Add($"{Prefix}Topic = '{options.Topic}' is not a Kafka topic name: {violation}");
        }

        for (var i = 0; i < options.ReservedTopics.Length; i++)
        {
            if (Kafka.TopicNameRules.Violation(options.ReservedTopics[i]) is { } reservedViolation)
            {
                failures.Add($"{Prefix}ReservedTopics:{i} = '{options.ReservedTopics[i]}' is not a Kafka topic name: {reservedViolation}");
            }
        }

        if (!CompatibilityLevelNames.TryParse(options.DefaultCompatibility, out _))
        {
            failures.Add($"{Prefix}DefaultCompatibility must be one of NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE (was '{options.DefaultCompatibility}').");
        }

        foreach (var (key, value) in new[]
        {
            (nameof(options.ValueSubjectNameStrategy), options.ValueSubjectNameStrategy),
            (nameof(options.KeySubjectNameStrategy), options.KeySubjectNameStrategy),
        })
        {
            if (!Enum.IsDefined(value))
            {
                failures.Add($"{Prefix}{key} must be one of {string.Join(", ", Enum.GetNames<SubjectNameStrategyKind>())} (was {value}).");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateUrls(SchemaRegistryOptions options, List<string> failures)
    {
        if (!options.UsesExternalRegistry)
        {
            return;
        }

        var entries = options.Url!.Split(',', StringSplitOptions.TrimEntries);
        foreach (var entry in entries)
        {
            if (entry.Length == 0)
            {
                failures.Add($"{Prefix}Url has an empty entry; separate several registry URLs with single commas.");
                continue;
            }

            if (!Uri.TryCreate(entry, UriKind.Absolute, out var uri)
                || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                // The entry is echoed only when it cannot carry credentials, which it cannot if it is not a URL.
                failures.Add($"{Prefix}Url entry '{(entry.Contains('@', StringComparison.Ordinal) ? Redacted.Marker : entry)}' " +
                    "is not an absolute http:// or https:// URL, e.g. https://registry.example.com:8081.");
                continue;
            }

            if (uri.UserInfo.Length > 0)
            {
                failures.Add($"{Prefix}Url must not contain credentials (user:password@); " +
                    $"set {Prefix}BasicAuthUserInfo or {Prefix}BasicAuthUsername and {Prefix}BasicAuthPassword instead.");
            }

            if (uri.Query.Length > 0 || uri.Fragment.Length > 0)
            {
                failures.Add($"{Prefix}Url entry '{uri.GetLeftPart(UriPartial.Path)}' must not have a query or fragment.");
            }
        }
    }

    private static void ValidateAuthentication(SchemaRegistryOptions options, List<string> failures)
    {
        var hasUserInfo = !string.IsNullOrEmpty(options.BasicAuthUserInfo);
        var hasUsername = !string.IsNullOrEmpty(options.BasicAuthUsername);
        var hasPassword = !string.IsNullOrEmpty(options.BasicAuthPassword);
        var hasBearer = !string.IsNullOrEmpty(options.BearerToken);

        if (hasUserInfo && (hasUsername || hasPassword))
        {
            failures.Add($"{Prefix}BasicAuthUserInfo and {Prefix}BasicAuthUsername/{Prefix}BasicAuthPassword are both set; use one form.");
        }

        if (hasUserInfo && !options.BasicAuthUserInfo!.Contains(':', StringComparison.Ordinal))
        {
            failures.Add($"{Prefix}BasicAuthUserInfo must have the form user:password.");
        }

        if (hasUsername != hasPassword)
        {
            failures.Add($"{Prefix}BasicAuthUsername and {Prefix}BasicAuthPassword must be set together.");
        }

        if (hasUsername && options.BasicAuthUsername!.Contains(':', StringComparison.Ordinal))
        {
            failures.Add($"{Prefix}BasicAuthUsername must not contain ':' (HTTP basic authentication cannot carry it).");
        }

        if (hasBearer && (hasUserInfo || hasUsername || hasPassword))
        {
            failures.Add($"{Prefix}BearerToken and basic authentication are both set; use one.");
        }
    }

    private void ValidateTls(SchemaRegistryOptions options, List<string> failures)
    {
        var before = failures.Count;
        var tls = options.Tls;
        const string TlsPrefix = Prefix + "Tls:";

        FileExists(failures, TlsPrefix + nameof(tls.CaLocation), tls.CaLocation);
        FileExists(failures, TlsPrefix + nameof(tls.CertificateLocation), tls.CertificateLocation);
        FileExists(failures, TlsPrefix + nameof(tls.KeyLocation), tls.KeyLocation);
        FileExists(failures, TlsPrefix + nameof(tls.KeyStoreLocation), tls.KeyStoreLocation);
        FileExists(failures, TlsPrefix + nameof(tls.TrustStoreLocation), tls.TrustStoreLocation);

        var hasPem = !string.IsNullOrWhiteSpace(tls.CertificateLocation);
        var hasKeyStore = !string.IsNullOrWhiteSpace(tls.KeyStoreLocation);
        if (hasPem && hasKeyStore)
        {
            failures.Add($"{TlsPrefix}CertificateLocation and {TlsPrefix}KeyStoreLocation are both set; use PEM or a key store.");
        }

        if (!hasPem && !string.IsNullOrWhiteSpace(tls.KeyLocation))
        {
            failures.Add($"{TlsPrefix}KeyLocation is set without {TlsPrefix}CertificateLocation.");
        }

        if (!hasKeyStore && !string.IsNullOrEmpty(tls.KeyStorePassword))
        {
            failures.Add($"{TlsPrefix}KeyStorePassword is set without {TlsPrefix}KeyStoreLocation.");
        }

        var usesTls = tls.HasMaterial;
        if (usesTls && options.UsesExternalRegistry
            && options.Url!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Any(url => url.StartsWith("http://", StringComparison.OrdinalIgnoreCase)))
        {
            failures.Add($"{Prefix}Tls settings are present but {Prefix}Url has an http:// entry; use https:// for every registry URL.");
        }

        // Read the material once, as the HTTP handler will: a wrong password, an expired certificate or a key of
        // another certificate stops the start instead of failing the first registry call.
        if (failures.Count == before && usesTls && options.UsesExternalRegistry)
        {
            try
            {
                using var material = TlsMaterialLoader.Load(tls.ToMaterialSource(), time);
            }
            catch (TlsConfigurationException ex)
            {
                failures.Add(ex.Message);
            }
        }
    }

    private static bool FileExists(List<string> failures, string key, string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return false;
        }

        if (!File.Exists(path))
        {
            failures.Add($"{key} file '{path}' does not exist or cannot be read.");
            return false;
        }

        return true;
    }

    private static void Range(List<string> failures, string key, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            failures.Add($"{Prefix}{key} must be between {min} and {max} (was {value}).");
        }
    }
}
