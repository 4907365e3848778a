using KafkaGateway.Schemas.Compatibility;
using Microsoft.Extensions.Options;

namespace KafkaGateway.Schemas.Registry;

/// <summary>
/// The built-in registry's settings in configuration section <c>SchemaRegistry</c>. The section is shared with the
/// HTTP registry client, which owns <c>Url</c> and its connection settings; this class only reads <see cref="Url"/>
/// to decide between serving the registry API itself (empty) and forwarding <c>/registry</c> to that URL.
/// </summary>
public sealed class BuiltInRegistryOptions
{
    /// <summary>The configuration section name (shared with the registry client).</summary>
    public const string SectionName = "SchemaRegistry";

    /// <summary>An external Confluent-compatible registry; empty means the gateway serves the registry itself.</summary>
    public string? Url { get; set; }

    /// <summary>The compacted Kafka topic holding schemas, configuration and deletions (Confluent's format).</summary>
    public string Topic { get; set; } = "_schemas";

    /// <summary>Compatibility level applied when neither the subject nor the global configuration sets one.</summary>
    public string DefaultCompatibility { get; set; } = "BACKWARD";

    /// <summary>Longest schema text accepted, in characters (1 KiB - 16 MiB).</summary>
    public int MaxSchemaLength { get; set; } = 256 * 1024;

    /// <summary>Seconds a forwarded request may take before the gateway answers 504 (1-300).</summary>
    public int ForwardTimeoutSeconds { get; set; } = 30;

    /// <summary>True when the gateway serves the registry API itself.</summary>
    public bool IsBuiltIn => string.IsNullOrWhiteSpace(Url);
}

/// <summary>Start-up validation of <see cref="BuiltInRegistryOptions"/>; every message names the key.</summary>
internal sealed class BuiltInRegistryOptionsValidator : IValidateOptions<BuiltInRegistryOptions>
{
    public ValidateOptionsResult Validate(string? name, BuiltInRegistryOptions options)
    {
        var failures = new List<string>();
        if (!options.IsBuiltIn
            && (!Uri.TryCreate(options.Url!.Trim(), UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https")))
        {
            failures.Add($"SchemaRegistry:Url must be an absolute http(s) URL such as http://registry:8081, or empty for the built-in registry (was '{options.Url}').");
        }

        if (string.IsNullOrWhiteSpace(options.Topic) || options.Topic.Length > 249
            || !options.Topic.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
        {
            failures.Add($"SchemaRegistry:Topic must be a Kafka topic name (letters, digits, '.', '_', '-'; at most 249) (was '{options.Topic}').");
        }

        if (!CompatibilityLevelNames.TryParse(options.DefaultCompatibility, out _))
        {
            failures.Add($"SchemaRegistry:DefaultCompatibility must be one of NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE (was '{options.DefaultCompatibility}').");
        }

        if (options.MaxSchemaLength is < 1024 or > 16 * 1024 * 1024)
        {
            failures.Add($"SchemaRegistry:MaxSchemaLength must be between 1024 and 16777216 characters (was {options.MaxSchemaLength}).");
        }

        if (options.ForwardTimeoutSeconds is < 1 or > 300)
        {
            failures.Add($"SchemaRegistry:ForwardTimeoutSeconds must be between 1 and 300 (was {options.ForwardTimeoutSeconds}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
