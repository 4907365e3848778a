using System.Diagnostics.CodeAnalysis;

namespace KafkaGateway.Schemas.Compatibility;

/// <summary>A subject's compatibility setting, with the meanings Confluent Schema Registry gives them.</summary>
public enum CompatibilityLevel
{
    /// <summary>Any schema may be registered.</summary>
    None,

    /// <summary>The new schema can read data written with the latest registered schema.</summary>
    Backward,

    /// <summary>The new schema can read data written with every registered schema.</summary>
    BackwardTransitive,

    /// <summary>The latest registered schema can read data written with the new schema.</summary>
    Forward,

    /// <summary>Every registered schema can read data written with the new schema.</summary>
    ForwardTransitive,

    /// <summary>Both <see cref="Backward"/> and <see cref="Forward"/> against the latest registered schema.</summary>
    Full,

    /// <summary>Both directions against every registered schema.</summary>
    FullTransitive,
}

/// <summary>Converts <see cref="CompatibilityLevel"/> to and from the registry API's strings, e.g. <c>BACKWARD_TRANSITIVE</c>.</summary>
public static class CompatibilityLevelNames
{
    private static readonly Dictionary<string, CompatibilityLevel> _byName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["NONE"] = CompatibilityLevel.None,
        ["BACKWARD"] = CompatibilityLevel.Backward,
        ["BACKWARD_TRANSITIVE"] = CompatibilityLevel.BackwardTransitive,
        ["FORWARD"] = CompatibilityLevel.Forward,
        ["FORWARD_TRANSITIVE"] = CompatibilityLevel.ForwardTransitive,
        ["FULL"] = CompatibilityLevel.Full,
        ["FULL_TRANSITIVE"] = CompatibilityLevel.FullTransitive,
    };

    /// <summary>The registry string for <paramref name="level"/>, e.g. <c>FULL_TRANSITIVE</c>.</summary>
    public static string ToRegistryName(this CompatibilityLevel level) => level switch
    {
        CompatibilityLevel.None => "NONE",
        CompatibilityLevel.Backward => "BACKWARD",
        CompatibilityLevel.BackwardTransitive => "BACKWARD_TRANSITIVE",
        CompatibilityLevel.Forward => "FORWARD",
        CompatibilityLevel.ForwardTransitive => "FORWARD_TRANSITIVE",
        CompatibilityLevel.Full => "FULL",
        CompatibilityLevel.FullTransitive => "FULL_TRANSITIVE",
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, "Unknown compatibility level."),
    };

    /// <summary>Parses a registry string such as <c>backward_transitive</c>, ignoring case.</summary>
    /// <returns>False for null, empty or unknown strings (including the enum's own C# names such as <c>BackwardTransitive</c>).</returns>
    public static bool TryParse([NotNullWhen(true)] string? value, out CompatibilityLevel level)
    {
        if (value is not null && _byName.TryGetValue(value.Trim(), out level))
        {
            return true;
        }

        level = default;
        return false;
    }

    /// <summary>Parses a registry string such as <c>FULL</c>, ignoring case.</summary>
    /// <exception cref="FormatException">The string is not one of the registry's compatibility levels.</exception>
    public static CompatibilityLevel Parse(string value) =>
        TryParse(value, out var level)
            ? level
            : throw new FormatException(
                $"'{value}' is not a compatibility level; expected one of {string.Join(", ", _byName.Keys)}.");
}
