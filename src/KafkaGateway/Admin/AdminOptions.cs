using Microsoft.Extensions.Options;

namespace KafkaGateway.Admin;

/// <summary>Configuration section <c>Admin</c>: how long admin operations wait for Kafka.</summary>
public sealed class AdminOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Admin";

    /// <summary>How long topic, config and group operations wait for the cluster, in seconds (1-300).</summary>
    public int RequestTimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// How long <c>GET /topics/{topic}</c> waits for the topic's configs before answering without them, in seconds
    /// (1-60). Short on purpose: the configs are an extra, the partitions are the answer.
    /// </summary>
    public int DescribeConfigsBudgetSeconds { get; set; } = 2;
}

/// <summary>Start-up validation of <see cref="AdminOptions"/>; every message names the key.</summary>
internal sealed class AdminOptionsValidator : IValidateOptions<AdminOptions>
{
    public ValidateOptionsResult Validate(string? name, AdminOptions options)
    {
        var failures = new List<string>();
        if (options.RequestTimeoutSeconds is < 1 or > 300)
        {
            failures.Add($"Admin:RequestTimeoutSeconds must be between 1 and 300 (was {options.RequestTimeoutSeconds}).");
        }

        if (options.DescribeConfigsBudgetSeconds is < 1 or > 60)
        {
            failures.Add($"Admin:DescribeConfigsBudgetSeconds must be between 1 and 60 (was {options.DescribeConfigsBudgetSeconds}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
