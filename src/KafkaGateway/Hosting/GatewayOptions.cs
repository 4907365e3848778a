using Microsoft.Extensions.Options;

namespace KafkaGateway.Hosting;

/// <summary>Configuration section <c>Gateway</c>: behaviour of the gateway itself.</summary>
public sealed class GatewayOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Gateway";

    /// <summary>
    /// Writable folder for gateway state (e.g. the Development HTTPS certificate); relative paths are resolved
    /// against the content root. In containers mount a volume here, the root filesystem may be read-only.
    /// </summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>Seconds the gateway waits at shutdown for in-flight work (1-300).</summary>
    public int ShutdownTimeoutSeconds { get; set; } = 30;

    /// <summary>Resolves <see cref="DataDirectory"/> to an absolute path.</summary>
    public string ResolveDataDirectory(IHostEnvironment environment) =>
        Path.GetFullPath(DataDirectory, environment.ContentRootPath);
}

internal sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            failures.Add("Gateway:DataDirectory must not be empty.");
        }

        if (options.ShutdownTimeoutSeconds is < 1 or > 300)
        {
            failures.Add($"Gateway:ShutdownTimeoutSeconds must be between 1 and 300 (was {options.ShutdownTimeoutSeconds}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
