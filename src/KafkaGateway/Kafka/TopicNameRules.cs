namespace KafkaGateway.Kafka;

/// <summary>Kafka's rules for topic names (<c>org.apache.kafka.common.internals.Topic.validate</c>).</summary>
public static class TopicNameRules
{
    /// <summary>Longest legal topic name.</summary>
    public const int MaxLength = 249;

    /// <summary>Why <paramref name="name"/> is not a legal topic name, or null when it is.</summary>
    public static string? Violation(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "A topic name is required.";
        }

        if (name is "." or "..")
        {
            return $"'{name}' is not a legal topic name.";
        }

        if (name.Length > MaxLength)
        {
            return $"A topic name has at most {MaxLength} characters (this one has {name.Length}).";
        }

        if (name.All(IsLegal))
        {
            // The common case, without the Distinct set and array the message below needs (they were per request).
            return null;
        }

        var illegal = name.Where(c => !IsLegal(c)).Distinct().ToArray();
        return illegal.Length == 0
            ? null
            : $"A topic name may only contain ASCII letters, digits, '.', '_' and '-'; found {string.Join(", ", illegal.Select(c => $"'{c}'"))}.";
    }

    /// <summary>
    /// Advice for a legal name: '.' and '_' are the same character in Kafka's metric names, so <c>a.b</c> and
    /// <c>a_b</c> collide (Kafka refuses the second).
    /// </summary>
    public static IReadOnlyList<string> Warnings(string name) =>
        name.Contains('.', StringComparison.Ordinal) || name.Contains('_', StringComparison.Ordinal)
            ? [$"Topic names with '.' or '_' can collide in metric names (Kafka treats them alike): '{name}' and " +
               $"'{CollidingName(name)}' cannot both exist. Prefer one of the two characters consistently."]
            : [];

    private static string CollidingName(string name) =>
        name.Contains('.', StringComparison.Ordinal) ? name.Replace('.', '_') : name.Replace('_', '.');

    private static bool IsLegal(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-';
}
